import { test } from 'tap'
import type { Test } from 'tap'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { createServer as createNetServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { main, parseCommand, USAGE } from '../lib/cli'
import type { CliIO } from '../lib/cli'
import type { AuditReport } from '../lib/audit/index'
import { readDocumentFile } from '../lib/openapi/document'
import { closeServer, correctHandler, listenServer, reply } from './helpers/audit-servers'
import { runCli } from './helpers/audit-cli'

const fixtures = join(__dirname, 'fixtures', 'audit')
const pets = readDocumentFile(join(fixtures, 'pets-swagger.json'))
const petRoutes = {
  '/v2/pets': { GET: reply(200, []), POST: reply(201) },
  '/v2/pets/[^/]+': { GET: reply(200), DELETE: reply(204) }
}

interface Captured extends CliIO {
  out: () => string
  err: () => string
}

function io (options: { stdoutTTY?: boolean, stderrTTY?: boolean, env?: Record<string, string> } = {}): Captured {
  let out = ''
  let err = ''
  return {
    stdout: { write: (text: string) => { out += text }, isTTY: options.stdoutTTY },
    stderr: { write: (text: string) => { err += text }, isTTY: options.stderrTTY, columns: 60 },
    env: options.env ?? {},
    out: () => out,
    err: () => err
  }
}

async function serve (t: Test, server: Server): Promise<string> {
  const base = await listenServer(server)
  t.teardown(() => closeServer(server))
  return base
}

async function freePort (): Promise<number> {
  const server = createNetServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise(resolve => server.close(resolve))
  return port
}

test('--help and --version print and exit 0', async (t) => {
  const help = io()
  t.equal(await main(['--help'], help), 0)
  t.equal(help.out(), USAGE)
  t.match(USAGE, /^Usage: fastify-allowed-methods audit <base-url> \[options\]/)
  const version = io()
  t.equal(await main(['audit', '-v'], version), 0)
  t.equal(version.out(), JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version + '\n')
})

test('usage errors exit 2 with a one-line reason and a pointer to --help', async (t) => {
  const cases: Array<[string[], string]> = [
    [[], 'missing the command: audit'],
    [['check', 'http://x'], 'unknown command "check"; the command is audit'],
    [['audit'], 'missing <base-url>'],
    [['audit', 'http://a', 'http://b'], 'one <base-url> only, got http://a http://b'],
    [['audit', 'http://a', '--format', 'xml'], '--format must be one of table, json, tap, junit, got "xml"'],
    [['audit', 'http://a', '--concurrency', '0'], '--concurrency must be a positive integer, got "0"'],
    [['audit', 'http://a', '--timeout', '1.5'], '--timeout must be a positive integer, got "1.5"'],
    [['audit', 'http://a', '--header', 'no-colon'], '--header must look like "Name: value", got "no-colon"'],
    [['audit', 'http://a', '--header', ': empty name'], '--header must look like "Name: value", got ": empty name"'],
    [['audit', 'http://a', '--colour'], "Unknown option '--colour'"],
    [['audit', 'ftp://a'], 'the base URL "ftp://a" is not an http:// or https:// URL'],
    [['audit', 'not a url'], 'the base URL "not a url" is not an http:// or https:// URL'],
    [['audit', 'http://a', '--header', 'bad name: x'], 'header "bad name" cannot be sent: Header name must be a valid HTTP token ["bad name"]']
  ]
  for (const [argv, reason] of cases) {
    const run = io()
    t.equal(await main(argv, run), 2, argv.join(' '))
    t.equal(run.out(), '')
    t.match(run.err(), `fastify-allowed-methods: ${reason}`)
    t.equal(run.err().split('\n').filter(Boolean).length, run.err().includes('--help') ? 2 : 1)
  }
})

test('parseCommand maps flags to audit options', async (t) => {
  t.same(parseCommand(['audit', 'https://api.example.com/v1', '--openapi', 'api.yaml', '--format', 'tap', '--header', 'Authorization: Bearer a:b', '--header', 'X-Team:  core ', '--concurrency', '2', '--timeout', '500', '--max-requests', '99', '--insecure']), {
    format: 'tap',
    options: {
      baseUrl: 'https://api.example.com/v1',
      openapi: 'api.yaml',
      headers: { Authorization: 'Bearer a:b', 'X-Team': 'core' },
      concurrency: 2,
      timeout: 500,
      maxRequests: 99,
      tls: { rejectUnauthorized: false }
    }
  })
  t.same(parseCommand(['audit', 'http://x']), { format: 'table', options: { baseUrl: 'http://x', openapi: undefined, headers: {}, concurrency: undefined, timeout: undefined, maxRequests: undefined } })
})

test('exit 2: unreachable server, missing, invalid or unfetchable document, too many requests', async (t) => {
  const port = await freePort()
  const unreachable = io()
  t.equal(await main(['audit', `http://127.0.0.1:${port}`], unreachable), 2)
  t.equal(unreachable.err(), `fastify-allowed-methods: cannot reach http://127.0.0.1:${port} (ECONNREFUSED); is the server running and the base URL right?\n`)

  const base = await serve(t, createServer(correctHandler(petRoutes, pets, '/elsewhere.json')))
  const cases: Array<[string[], string]> = [
    [[], 'no OpenAPI document found at /documentation/json (404), /openapi.json (404), /swagger.json (404); pass its file or URL with --openapi (the `openapi` option)'],
    [['--openapi', join(fixtures, 'nope.yaml')], `the document in file ${join(fixtures, 'nope.yaml')} could not be read (ENOENT)`],
    [['--openapi', join(fixtures, 'broken.json')], `the document in file ${join(fixtures, 'broken.json')} is neither valid JSON nor valid YAML: `],
    [['--openapi', join(fixtures, 'not-openapi.yaml')], `the document in file ${join(fixtures, 'not-openapi.yaml')} is not an OpenAPI 3.0/3.1/3.2 or Swagger 2.0 document`],
    [['--openapi', `${base}/missing.json`], `the document at ${base}/missing.json could not be fetched: the server answered 404`],
    [['--openapi', `http://127.0.0.1:${port}/openapi.json`], `cannot reach http://127.0.0.1:${port} (ECONNREFUSED)`],
    [['--openapi', `${base}/elsewhere.json`, '--max-requests', '10'], 'the document needs 23 requests, more than maxRequests (10); raise it (--max-requests) to audit every path']
  ]
  for (const [args, reason] of cases) {
    const run = io()
    t.equal(await main(['audit', base, ...args], run), 2, args.join(' '))
    t.match(run.err(), `fastify-allowed-methods: ${reason}`)
    t.equal(run.out(), '')
  }
  const silent = createNetServer(socket => { t.teardown(() => socket.destroy()) })
  await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve))
  t.teardown(() => silent.close())
  const silentBase = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
  const timeout = io()
  t.equal(await main(['audit', base, '--openapi', `${silentBase}/openapi.json`, '--timeout', '100'], timeout), 2)
  t.equal(timeout.err(), `fastify-allowed-methods: the document at ${silentBase}/openapi.json could not be fetched: no answer within 100 ms\n`)
  // the same through the process: one line on stderr, exit code 2
  const child = await runCli(['audit', `http://127.0.0.1:${port}`])
  t.equal(child.code, 2)
  t.equal(child.stdout, '')
  t.equal(child.stderr, `fastify-allowed-methods: cannot reach http://127.0.0.1:${port} (ECONNREFUSED); is the server running and the base URL right?\n`)
})

test('formats: table with colour only on a TTY (and not with NO_COLOR), json, tap; exit 0 when clean', async (t) => {
  const base = await serve(t, createServer(correctHandler(petRoutes, pets, '/openapi.json')))
  const doc = `${base}/openapi.json`
  const plain = io()
  t.equal(await main(['audit', base, '--openapi', doc], plain), 0)
  t.equal(plain.err(), `fastify-allowed-methods: using the OpenAPI document at ${doc}\n`)
  t.notOk(plain.out().includes('\u001b['))
  t.match(plain.out(), `fastify-allowed-methods audit of ${base}\ndocument: ${doc} (Swagger 2.0, "Pets", 2 paths, base path /v2)\n\n/pets → /v2/pets documented: GET, POST\n  ✔ GET      200\n`)
  t.match(plain.out(), /\n✔ 35 checks passed on 2 paths \(23 requests, \d+ ms\)\n$/)

  const tty = io({ stdoutTTY: true })
  t.equal(await main(['audit', base], tty), 0)
  t.match(tty.out(), '\u001b[1mfastify-allowed-methods audit of')
  t.match(tty.out(), '  \u001b[32m✔\u001b[0m GET      200\n')
  t.match(tty.out(), '\u001b[32m✔ 35 checks passed')
  const noColor = io({ stdoutTTY: true, env: { NO_COLOR: '1' } })
  await main(['audit', base], noColor)
  t.notOk(noColor.out().includes('\u001b['))
  const emptyNoColor = io({ stdoutTTY: true, env: { NO_COLOR: '' } })
  await main(['audit', base], emptyNoColor)
  t.match(emptyNoColor.out(), '\u001b[32m', 'an empty NO_COLOR does not count')

  const json = io()
  t.equal(await main(['audit', base, '--format', 'json'], json), 0)
  const report = JSON.parse(json.out()) as AuditReport
  t.match(report, { ok: true, target: base, document: { source: doc, version: 'Swagger 2.0', basePath: '/v2', paths: 2 }, summary: { checks: 35, failed: 0, requests: 23 } })

  const tap = io()
  t.equal(await main(['audit', base, '--format', 'tap'], tap), 0)
  t.match(tap.out(), /^TAP version 14\n# fastify-allowed-methods audit of .* \(Swagger 2\.0\)\n1\.\.35\nok 1 - GET \/pets: served\n/)
  t.notMatch(tap.out(), /not ok/)
})

test('table and tap: failures with their reasons, colour marks, a # in a path escaped', async (t) => {
  const document = {
    openapi: '3.0.3',
    info: { title: 'Hash', version: '1' },
    paths: { '/tags/{tag}': { get: { parameters: [{ name: 'tag', in: 'path', example: 'c#' }], responses: { 200: { description: 'ok' } } } } }
  }
  const server = createServer((req, res) => {
    if (req.url === '/openapi.json') {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(document))
      return
    }
    res.statusCode = (req.method === 'GET' || req.method === 'HEAD') && (req.url as string).startsWith('/tags/') ? 200 : 404
    res.end()
  })
  const base = await serve(t, server)
  const table = io({ stdoutTTY: true })
  t.equal(await main(['audit', base], table), 1)
  t.match(table.out(), '\u001b[1m/tags/{tag}\u001b[0m\u001b[2m → /tags/c%23\u001b[0m \u001b[2mdocumented: GET\u001b[0m\n')
  t.match(table.out(), '  \u001b[31m✘\u001b[0m POST     404\n      \u001b[33mnot-allowed\u001b[0m: POST is not documented for /tags/{tag}, but the server answered 404')
  t.match(table.out(), '\u001b[31m✘ 8 of 13 checks failed, on 1 of 1 paths (13 requests, ')
  t.ok(table.out().endsWith(' ms)\u001b[0m\n'))
  t.match(table.out(), '\u001b[1m/fastify-allowed-methods-audit-404\u001b[0m \u001b[2m(not in the document)\u001b[0m\n')
  const tap = io()
  t.equal(await main(['audit', base, '--format', 'tap'], tap), 1)
  t.match(tap.out(), '\nnot ok 3 - POST /tags/{tag}: not-allowed\n  ---\n  url: /tags/c%23\n  expected: "405 with Allow: GET (HEAD and OPTIONS may be added)"\n  got: "404"\n  reason: "POST is not documented for /tags/{tag}, but the server answered 404')
  t.match(tap.out(), '\nok 1 - GET /tags/{tag}: served\n')
  t.match(tap.out(), /\n# checks 13, passed 5, failed 8, paths 1, requests 13\n$/)
  const hashServer = { ...document, paths: { '/a#b': { get: { responses: {} } } } }
  const hashBase = await serve(t, createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(req.url === '/openapi.json' ? JSON.stringify(hashServer) : '{}')
  }))
  const escaped = io()
  await main(['audit', hashBase, '--format', 'tap'], escaped)
  t.match(escaped.out(), '- GET /a\\#b: served')
})

test('a progress bar on stderr for many paths when stderr is a TTY, erased at the end', async (t) => {
  const paths: Record<string, unknown> = {}
  const routes: Record<string, Record<string, ReturnType<typeof reply>>> = {}
  for (let i = 0; i < 12; i++) {
    paths[`/r${i}`] = { get: { responses: { 200: { description: 'ok' } } } }
    routes[`/r${i}`] = { GET: reply(200) }
  }
  const base = await serve(t, createServer(correctHandler(routes, { openapi: '3.0.3', info: { title: 'Many', version: '1' }, paths }, '/openapi.json')))
  const tty = io({ stderrTTY: true })
  t.equal(await main(['audit', base, '--concurrency', '3'], tty), 0)
  t.match(tty.err(), /\r\[#+-*\] \d+\/123 requests/)
  t.match(tty.err(), '\r[##############################] 123/123 requests')
  t.ok(tty.err().endsWith('\r\u001b[2K'))
  const notTty = io()
  await main(['audit', base], notTty)
  t.notMatch(notTty.err(), /requests/)
  // few paths: no bar even on a terminal
  const small = await serve(t, createServer(correctHandler(petRoutes, pets, '/openapi.json')))
  const few = io({ stderrTTY: true })
  await main(['audit', small], few)
  t.notMatch(few.err(), /\r/)
})

test('--header reaches every request; --insecure accepts a self-signed certificate', async (t) => {
  const handler = correctHandler(petRoutes, pets, '/openapi.json')
  const seen = new Set<string>()
  const base = await serve(t, createServer((req, res) => {
    seen.add(String(req.headers.authorization))
    if (req.headers.authorization !== 'Bearer token') {
      res.statusCode = 401
      res.end()
      return
    }
    handler(req, res)
  }))
  const run = io()
  t.equal(await main(['audit', base, '--header', 'Authorization: Bearer token'], run), 0)
  t.same([...seen], ['Bearer token'])

  const cert = readFileSync(join(fixtures, 'tls-cert.pem'))
  const key = readFileSync(join(fixtures, 'tls-key.pem'))
  const secure = createHttpsServer({ cert, key }, handler)
  await new Promise<void>(resolve => secure.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { secure.closeAllConnections(); secure.close() })
  const secureBase = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`
  const refused = io()
  t.equal(await main(['audit', secureBase], refused), 2)
  t.match(refused.err(), `cannot reach ${secureBase} (DEPTH_ZERO_SELF_SIGNED_CERT)`)
  const insecure = io()
  t.equal(await main(['audit', secureBase, '--insecure'], insecure), 0)
})
