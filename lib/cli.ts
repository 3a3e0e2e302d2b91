#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { audit } from './audit/index'
import type { AuditOptions } from './audit/index'
import { formatReport, REPORT_FORMATS } from './audit/report/index'
import type { ReportFormat } from './audit/report/index'
import { progressBar } from './audit/report/progress'
import { incompleteLine } from './audit/report/table'
import { NUMERIC_OPTIONS, tooLarge } from './audit/limits'
import type { NumericOptionName } from './audit/limits'

/**
 * Exit codes: 0 clean, 1 violations, 2 no verdict: a usage error, an unreachable server or one
 * that gives no HTTP answer, no usable document (or one with no paths), an incomplete audit.
 */
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
  --format table|json|tap|junit
                            output format (default: table); junit is JUnit XML for CI
  --header "Name: value"    a header for every request (repeatable), e.g. authorization;
                            "Host: name" replaces the Host header
  --base-path <path>        the path prefix of the documented paths on this server, instead of
                            the document's servers[0] / basePath; / for a server at the root
  --concurrency <n>         requests in flight at once (default: 8, at most 1024)
  --timeout <ms>            time to wait for each answer (default: 10000)
  --deadline <ms>           time for the whole audit (default: none); when it passes, what was
                            checked is reported, the audit is incomplete, exit code 2
  --max-requests <n>        refuse to start an audit that needs more (default: 10000)
  --max-document-size <bytes>
                            refuse a larger document (default: 33554432, 32 MiB)
  --insecure                accept any TLS certificate (a test server's self-signed one)
  -h, --help                this text
  -v, --version             the version

Exit code: 0 every check passed; 1 violations found; 2 no verdict: usage error, unreachable
server or no HTTP answer, no usable document or one with no paths, incomplete audit (--deadline).
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

function integer (name: NumericOptionName, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const { flag, max } = NUMERIC_OPTIONS[name]
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${flag} must be a positive integer, got ${JSON.stringify(value)}`)
  if (Number(value) > max) throw new UsageError(`--${flag} ${tooLarge(name)}, got ${value}`)
  return Number(value)
}

function headers (values: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const value of values ?? []) {
    const colon = value.indexOf(':')
    if (colon <= 0) throw new UsageError(`--header must look like "Name: value", got ${JSON.stringify(value)}`)
    const name = value.slice(0, colon).trim()
    // a repeated header (any spelling) replaces the earlier one: never two Host lines
    for (const known of Object.keys(out)) if (known.toLowerCase() === name.toLowerCase()) delete out[known]
    out[name] = value.slice(colon + 1).trim()
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
        deadline: { type: 'string' },
        'base-path': { type: 'string' },
        'max-document-size': { type: 'string' },
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
    maxRequests: integer('maxRequests', values['max-requests'])
  }
  const deadline = integer('deadline', values.deadline)
  if (deadline !== undefined) options.deadline = deadline
  const maxDocumentSize = integer('maxDocumentSize', values['max-document-size'])
  if (maxDocumentSize !== undefined) options.maxDocumentSize = maxDocumentSize
  if (values['base-path'] !== undefined) options.basePath = values['base-path']
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
    if (report.incomplete !== undefined) {
      io.stderr.write(`fastify-allowed-methods: ${incompleteLine(report.incomplete).replace(/^⚠ /, '')}\n`)
      return EXIT.error
    }
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
