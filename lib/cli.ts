#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { audit } from './audit/index'
import type { AuditOptions } from './audit/index'
import { formatReport, REPORT_FORMATS } from './audit/report/index'
import type { ReportFormat } from './audit/report/index'
import { progressBar } from './audit/report/progress'

/** Exit codes: 0 clean, 1 violations, 2 usage or network error (or no usable document). */
export const EXIT = { clean: 0, violations: 1, error: 2 }

/** Requests from which the progress bar shows (about ten documented paths). */
const PROGRESS_FROM = 100

export const USAGE = `Usage: fastify-allowed-methods audit <base-url> [options]

Checks that the server at <base-url> answers every method the way its OpenAPI document says:
documented methods served, others 405 with a correct Allow, OPTIONS and HEAD truthful,
problem+json bodies valid, unknown paths 404, unknown methods 501.

Options:
  --openapi <file-or-url>   the OpenAPI 3.x / Swagger 2.0 document, JSON or YAML
                            (default: the first of /documentation/json, /openapi.json,
                            /swagger.json that the server answers)
  --format table|json|tap   output format (default: table)
  --header "Name: value"    a header for every request (repeatable), e.g. authorization
  --concurrency <n>         requests in flight at once (default: 8)
  --timeout <ms>            time to wait for each answer (default: 10000)
  --max-requests <n>        refuse to start an audit that needs more (default: 10000)
  --insecure                accept any TLS certificate (a test server's self-signed one)
  -h, --help                this text
  -v, --version             the version

Exit code: 0 clean, 1 violations found, 2 usage error, unreachable server or no usable document.
`

/** Where the CLI writes; process.stdout and process.stderr in real use. */
export interface CliStream {
  write (text: string): unknown
  isTTY?: boolean
  columns?: number
}

export interface CliIO {
  stdout: CliStream
  stderr: CliStream
  env: Record<string, string | undefined>
}

class UsageError extends Error {}

function integer (name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(value)}`)
  return Number(value)
}

function headers (values: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const value of values ?? []) {
    const colon = value.indexOf(':')
    if (colon <= 0) throw new UsageError(`--header must look like "Name: value", got ${JSON.stringify(value)}`)
    out[value.slice(0, colon).trim()] = value.slice(colon + 1).trim()
  }
  return out
}

function version (): string {
  // lib/cli.ts and dist/cli.js both sit one level below package.json
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version
}

interface Command {
  options: AuditOptions
  format: ReportFormat
}

/** Parses argv (without node and the script); returns a string to print and exit 0 with, or the command. */
export function parseCommand (argv: string[]): Command | string {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        openapi: { type: 'string' },
        format: { type: 'string', default: 'table' },
        header: { type: 'string', multiple: true },
        concurrency: { type: 'string' },
        timeout: { type: 'string' },
        'max-requests': { type: 'string' },
        insecure: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false }
      }
    })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const { values, positionals } = parsed
  if (values.help) return USAGE
  if (values.version) return version() + '\n'
  if (positionals[0] !== 'audit') {
    throw new UsageError(positionals.length === 0 ? 'missing the command: audit' : `unknown command ${JSON.stringify(positionals[0])}; the command is audit`)
  }
  if (positionals.length !== 2) throw new UsageError(positionals.length < 2 ? 'missing <base-url>' : `one <base-url> only, got ${positionals.slice(1).join(' ')}`)
  const format = values.format as ReportFormat
  if (!REPORT_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}, got ${JSON.stringify(values.format)}`)
  const options: AuditOptions = {
    baseUrl: positionals[1],
    openapi: values.openapi,
    headers: headers(values.header),
    concurrency: integer('concurrency', values.concurrency),
    timeout: integer('timeout', values.timeout),
    maxRequests: integer('max-requests', values['max-requests'])
  }
  if (values.insecure) options.tls = { rejectUnauthorized: false }
  return { options, format }
}

/**
 * The `fastify-allowed-methods` command. Returns the exit code; writes the report to stdout and
 * everything else (the document used, the progress bar, errors) to stderr.
 */
export async function main (argv: string[], io: CliIO): Promise<number> {
  let command: Command | string
  try {
    command = parseCommand(argv)
  } catch (err) {
    io.stderr.write(`fastify-allowed-methods: ${(err as Error).message}\nRun fastify-allowed-methods --help for the usage.\n`)
    return EXIT.error
  }
  if (typeof command === 'string') {
    io.stdout.write(command)
    return EXIT.clean
  }
  const bar = progressBar(io.stderr)
  const showProgress = io.stderr.isTTY === true
  try {
    const report = await audit({
      ...command.options,
      onDocument: source => { io.stderr.write(`fastify-allowed-methods: using the OpenAPI document at ${source}\n`) },
      onProgress: (done, total) => { if (showProgress && total >= PROGRESS_FROM) bar.update(done, total) }
    })
    bar.done()
    const colour = io.stdout.isTTY === true && (io.env.NO_COLOR ?? '') === ''
    io.stdout.write(formatReport(report, command.format, { colour }))
    return report.ok ? EXIT.clean : EXIT.violations
  } catch (err) {
    bar.done()
    const message = (err as Error).message.split('\n')[0].replace(/^fastify-allowed-methods audit: /, '')
    io.stderr.write(`fastify-allowed-methods: ${message}\n`)
    return EXIT.error
  }
}

if (require.main === module) {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env })
    .then(code => { process.exitCode = code })
}
