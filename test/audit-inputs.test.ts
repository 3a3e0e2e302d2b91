import { test } from 'tap'
import type { Test } from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { audit } from '../lib/audit/index'
import type { AuditOptions } from '../lib/audit/index'
import { parseDocumentText, YAML_ALIAS_LIMIT } from '../lib/openapi/document'
import { fetchText } from '../lib/audit/http'
import { main, parseCommand } from '../lib/cli'
import { captureIO } from './helpers/audit-cli'
import { serveDuring } from './helpers/audit-servers'

// Inputs that real tools accept (issue 10, items 5 and 9): a byte order mark, many YAML aliases
// (not an alias bomb), documents over the size limit refused whole, numeric options within their
// real range, one Host header, external $refs of operations, and a document with no paths.

const dir = mkdtempSync(join(tmpdir(), 'audit-inputs-'))
const doc = { openapi: '3.1.0', info: { title: 'One', version: '1' }, paths: { '/one': { get: { responses: { 200: { description: 'ok' } } } } } }
const json = JSON.stringify(doc)

function file (name: string, content: string | Buffer): string {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}

function serve (t: Test, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  return serveDuring(t, createServer(handler))
}

/** An app serving /one (and whatever documents `documents` holds by path). */
async function oneApp (t: Test, documents: Record<string, string | Buffer> = {}): Promise<string> {
  return serve(t, (req, res) => {
    const body = documents[req.url as string]
    if (body !== undefined && req.method === 'GET') return res.end(body)
    if (req.url === '/one') {
      if (req.method === 'GET' || req.method === 'HEAD') return res.end(req.method === 'GET' ? 'one' : undefined)
      res.writeHead(req.method === 'OPTIONS' ? 204 : 405, { allow: 'GET, HEAD' })
      return res.end()
    }
    res.writeHead(404)
    res.end()
  })
}

test('a UTF-8 byte order mark before JSON or YAML is skipped: file, URL, discovery, in-process', async (t) => {
  const bom = '\uFEFF'
  t.same(parseDocumentText(bom + json), doc)
  t.same(parseDocumentText(bom + 'openapi: 3.1.0\npaths: {}\n'), { openapi: '3.1.0', paths: {} })
  t.same(parseDocumentText(bom + '\n  ' + json), doc, 'a BOM, then white space')
  const withBom = Buffer.concat([Buffer.from([0xEF, 0xBB, 0xBF]), Buffer.from(json)])
  const base = await oneApp(t, { '/openapi.json': withBom, '/doc.json': withBom })
  for (const openapi of [file('bom.json', withBom), `${base}/doc.json`, undefined]) {
    const report = await audit({ baseUrl: base, openapi })
    t.equal(report.document.title, 'One', String(openapi))
    t.equal(report.document.paths, 1)
  }
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/one', async () => 'one')
  app.get('/openapi.json', async (_request, reply) => reply.type('application/json').send(withBom))
  t.equal((await audit({ app })).document.title, 'One')
})

test('YAML aliases: a document with hundreds loads; an alias bomb is refused with a clear message', async (t) => {
  // 300 paths that all reuse one operation and one parameter list: 600 aliases (yaml's default limit is 100)
  const lines = ['openapi: 3.1.0', 'info: { title: Aliased, version: "1" }', 'x-shared:', '  op: &op', '    responses:', '      "200": { description: ok }', 'paths:']
  for (let i = 0; i < 300; i++) lines.push(`  /r${i}:`, '    get: *op', '    head: *op')
  const aliased = lines.join('\n') + '\n'
  const parsed = parseDocumentText(aliased) as { paths: Record<string, unknown> }
  t.equal(Object.keys(parsed.paths).length, 300)
  const base = await oneApp(t)
  const report = await audit({ baseUrl: base, openapi: file('aliased.yaml', aliased), maxRequests: 100_000, concurrency: 32 })
  t.equal(report.document.paths, 300)

  // the classic "billion laughs": nine levels of nine aliases each
  const bomb = ['openapi: 3.1.0', 'paths: {}', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  const names = 'abcdefghi'
  for (let level = 1; level < names.length; level++) {
    const previous = `*${names[level - 1]}`
    bomb.push(`${names[level]}: &${names[level]} [${Array(9).fill(previous).join(',')}]`)
  }
  const message = `has YAML aliases that expand more than ${YAML_ALIAS_LIMIT} times for one anchor: refused as a possible alias bomb (resource exhaustion); expand the aliases or convert the document to JSON`
  t.throws(() => parseDocumentText(bomb.join('\n')), { name: 'DocumentError', message })
  const bombFile = file('bomb.yaml', bomb.join('\n'))
  const run = captureIO()
  t.equal(await main(['audit', base, '--openapi', bombFile], run), 2)
  t.equal(run.err(), `fastify-allowed-methods: the document in file ${bombFile} ${message}\n`)
})

test('a document over the size limit is refused whole, naming the limit and how to raise it', async (t) => {
  const padded = JSON.stringify({ ...doc, 'x-padding': 'x'.repeat(2000) })
  const size = Buffer.byteLength(padded)
  const base = await oneApp(t, { '/big.json': padded, '/openapi.json': padded })
  const refusal = (limit: number): string => `is larger than the limit of ${limit} bytes; raise it with --max-document-size <bytes> (the maxDocumentSize option of audit())`
  const bigFile = file('big.json', padded)
  const cases: Array<[string | undefined, string]> = [
    [`${base}/big.json`, `the document at ${base}/big.json ${refusal(size - 1)}`],
    [bigFile, `the document in file ${bigFile} ${refusal(size - 1)}`],
    [undefined, `the document at ${base}/openapi.json ${refusal(size - 1)}`]
  ]
  for (const [openapi, message] of cases) {
    await t.rejects(audit({ baseUrl: base, openapi, maxDocumentSize: size - 1 }), { code: 'FST_ALLOWED_METHODS_AUDIT_DOCUMENT', message: `fastify-allowed-methods audit: ${message}` })
    // exactly at the limit: read whole
    t.equal((await audit({ baseUrl: base, openapi, maxDocumentSize: size })).document.paths, 1)
  }
  const run = captureIO()
  t.equal(await main(['audit', base, '--openapi', `${base}/big.json`, '--max-document-size', String(size - 1)], run), 2)
  t.equal(run.err(), `fastify-allowed-methods: the document at ${base}/big.json ${refusal(size - 1)}\n`)
  t.equal(await main(['audit', base, '--openapi', `${base}/big.json`, '--max-document-size', String(size)], captureIO()), 0)
  // in-process discovery through app.inject()
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/one', async () => 'one')
  app.get('/openapi.json', async (_request, reply) => reply.type('application/json').send(padded))
  await t.rejects(audit({ app, maxDocumentSize: 100 }), { message: `fastify-allowed-methods audit: the document at /openapi.json ${refusal(100)}` })
})

test('the default limit, 32 MiB: one byte over it is refused, never cut and parsed', async (t) => {
  const limit = 32 * 1024 * 1024
  const head = JSON.stringify(doc).slice(0, -1) + ',"x-padding":"'
  const body = Buffer.alloc(limit + 1, 'x')
  body.write(head, 0)
  body.write('"}', limit - 1)
  const base = await serve(t, (_req, res) => res.end(body))
  const read = await fetchText(new URL(`${base}/doc.json`), { timeout: 10_000, concurrency: 1, headers: {}, tls: undefined })
  t.equal(read.tooLarge, true)
  t.equal(read.text, '')
  await t.rejects(audit({ baseUrl: base, openapi: `${base}/doc.json` }), {
    message: `fastify-allowed-methods audit: the document at ${base}/doc.json is larger than the limit of 32 MiB (33554432 bytes); raise it with --max-document-size <bytes> (the maxDocumentSize option of audit())`
  })
})

test('numeric options are refused past their real range, with the reason, in the API and the CLI', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  const cases: Array<[Partial<AuditOptions>, string]> = [
    [{ timeout: 2 ** 31 }, 'option "timeout" must be at most 2147483647 (milliseconds: the longest timer Node has), got 2147483648'],
    [{ deadline: 2 ** 31 }, 'option "deadline" must be at most 2147483647 (milliseconds: the longest timer Node has), got 2147483648'],
    [{ deadline: 0 }, 'option "deadline" must be a positive integer, got 0'],
    [{ deadline: 1.5 }, 'option "deadline" must be a positive integer, got 1.5'],
    [{ concurrency: 1025 }, 'option "concurrency" must be at most 1024 (sockets open at once: the usual limit of open files), got 1025'],
    [{ maxRequests: 2 ** 53 }, 'option "maxRequests" must be at most 9007199254740991 (the largest exact integer), got 9007199254740992'],
    [{ maxRequests: Infinity }, 'option "maxRequests" must be a positive integer, got Infinity'],
    [{ maxDocumentSize: 2 ** 40 }, `option "maxDocumentSize" must be at most ${require('node:buffer').constants.MAX_STRING_LENGTH} (bytes: the longest string Node can hold), got 1099511627776`],
    [{ maxDocumentSize: -1 }, 'option "maxDocumentSize" must be a positive integer, got -1']
  ]
  for (const [options, message] of cases) {
    await t.rejects(audit({ app, openapi: doc, ...options }), { code: 'FST_ALLOWED_METHODS_AUDIT_OPTION', message: `fastify-allowed-methods audit: ${message}` })
  }
  // the largest values are accepted
  app.get('/one', async () => 'one')
  t.equal((await audit({ app, openapi: doc, timeout: 2 ** 31 - 1, deadline: 2 ** 31 - 1, concurrency: 1024 })).ok, false)

  const cli: Array<[string[], string]> = [
    [['--timeout', '2147483648'], '--timeout must be at most 2147483647 (milliseconds: the longest timer Node has), got 2147483648'],
    [['--deadline', '2147483648'], '--deadline must be at most 2147483647 (milliseconds: the longest timer Node has), got 2147483648'],
    [['--deadline', '0'], '--deadline must be a positive integer, got "0"'],
    [['--concurrency', '5000'], '--concurrency must be at most 1024 (sockets open at once: the usual limit of open files), got 5000'],
    [['--max-requests', '99999999999999999999'], '--max-requests must be at most 9007199254740991 (the largest exact integer), got 99999999999999999999'],
    [['--max-document-size', '1e6'], '--max-document-size must be a positive integer, got "1e6"']
  ]
  for (const [args, message] of cli) {
    const run = captureIO()
    t.equal(await main(['audit', 'http://127.0.0.1:1', ...args], run), 2, args.join(' '))
    t.equal(run.err(), `fastify-allowed-methods: ${message}\nRun fastify-allowed-methods --help for the usage.\n`)
  }
  t.match(parseCommand(['audit', 'http://x', '--timeout', '2147483647', '--deadline', '60000', '--max-document-size', '1048576']), { options: { timeout: 2147483647, deadline: 60000, maxDocumentSize: 1048576 } })
})

/** A raw TCP server that keeps the head of every request it gets, and answers each with a 200 (the document at /openapi.json). */
async function recordingServer (t: Test): Promise<{ base: string, heads: string[] }> {
  const heads: string[] = []
  const sockets = new Set<Socket>()
  const server = createNetServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    let raw = ''
    socket.on('data', (chunk) => {
      raw += chunk.toString('latin1')
      const end = raw.indexOf('\r\n\r\n')
      if (end === -1) return
      const head = raw.slice(0, end)
      heads.push(head)
      const body = head.startsWith('GET /openapi.json ') ? json : 'ok'
      socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head.startsWith('HEAD ') ? '' : body}`)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const socket of sockets) socket.destroy()
    server.close()
  })
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, heads }
}

/** The Host lines of a request head, lower-cased (the name's spelling is free). */
function hostLines (head: string): string[] {
  return head.split('\r\n').filter(line => /^host:/i.test(line)).map(line => line.toLowerCase())
}

test('--header "Host: x" replaces the Host header on every request, the raw HEAD and the document fetch included', async (t) => {
  const { base, heads } = await recordingServer(t)
  const run = captureIO()
  await main(['audit', base, '--openapi', `${base}/openapi.json`, '--header', 'Host: first.example', '--header', 'host: api.example.test', '--header', 'X-Team: core'], run)
  const methods = new Set(heads.map(head => head.split(' ')[0]))
  t.ok(methods.has('HEAD') && methods.has('GET') && methods.has('PURGE'), [...methods].join(' '))
  t.equal(heads.filter(head => head.startsWith('GET /openapi.json ')).length, 1, 'the document was fetched')
  for (const head of heads) {
    t.same(hostLines(head), ['host: api.example.test'], head.split('\r\n')[0])
    t.match(head, /\r\nX-Team: core(\r\n|$)/)
  }
  // the API: any spelling, the later one wins
  heads.length = 0
  await audit({ baseUrl: base, openapi: doc, headers: { HOST: 'a.example', hOsT: 'b.example' } })
  t.ok(heads.length > 10)
  t.ok(heads.every(head => hostLines(head).length === 1 && hostLines(head)[0] === 'host: b.example'), 'one Host line each')
  // without the header: the base URL's host
  heads.length = 0
  await audit({ baseUrl: base, openapi: doc })
  t.ok(heads.every(head => hostLines(head).length === 1 && hostLines(head)[0] === `host: ${new URL(base).host}`))
})

test('in-process: the Host header given replaces the default of app.inject()', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  const hosts: string[] = []
  app.addHook('onRequest', async (request) => { hosts.push(String(request.headers.host)) })
  app.get('/one', async () => 'one')
  await audit({ app, openapi: doc, headers: { Host: 'api.example.test' } })
  t.ok(hosts.length > 0)
  t.ok(hosts.every(host => host === 'api.example.test'))
})

test('external $refs of operations and parameters are refused with the "bundle first" message', async (t) => {
  const bundle = 'bundle external references into one file first (for example with `redocly bundle`)'
  const cases: Array<[unknown, string]> = [
    [{ openapi: '3.1.0', paths: { '/a': { get: { $ref: 'ops.yaml#/getA' } } } }, `has a GET operation on /a that refers to ops.yaml#/getA: ${bundle}`],
    [{ openapi: '3.0.3', paths: { '/a/{id}': { get: { parameters: [{ $ref: 'params.yaml#/id' }], responses: {} } } } }, `has a parameter of GET /a/{id} that refers to params.yaml#/id: ${bundle}`],
    [{ openapi: '3.0.3', paths: { '/a/{id}': { parameters: [{ $ref: 'https://example.com/params.json#/id' }], get: {} } } }, `has a parameter of /a/{id} that refers to https://example.com/params.json#/id: ${bundle}`],
    [{ swagger: '2.0', paths: { '/a': { $ref: 'paths.yaml#/a' } } }, `has a path /a that refers to paths.yaml#/a: ${bundle}`],
    // a local $ref that leads to an external one
    [{ openapi: '3.1.0', paths: { '/a': { post: { $ref: '#/x-ops/post' } } }, 'x-ops': { post: { $ref: './post.yaml' } } }, `has a POST operation on /a that refers to ./post.yaml: ${bundle}`]
  ]
  const app = Fastify()
  t.teardown(() => app.close())
  for (const [openapi, message] of cases) {
    await t.rejects(audit({ app, openapi: openapi as Record<string, unknown> }), { code: 'FST_ALLOWED_METHODS_AUDIT_DOCUMENT', message: `fastify-allowed-methods audit: the document given as an object ${message}` })
  }
  const external = file('external.json', JSON.stringify(cases[0][0]))
  const run = captureIO()
  t.equal(await main(['audit', 'http://127.0.0.1:1', '--openapi', external], run), 2)
  t.equal(run.err(), `fastify-allowed-methods: the document in file ${external} ${cases[0][1]}\n`)
})

test('a document with no paths: exit 2, nothing to audit, no request sent', async (t) => {
  let requests = 0
  const base = await serve(t, (_req, res) => {
    requests++
    res.end()
  })
  const empties = [
    { openapi: '3.1.0', info: { title: 'Empty', version: '1' }, paths: {} },
    { openapi: '3.1.0', info: { title: 'Webhooks only', version: '1' }, webhooks: { ping: {} } },
    { swagger: '2.0', paths: { 'x-note': 'extensions only' } }
  ]
  for (const empty of empties) {
    await t.rejects(audit({ baseUrl: base, openapi: empty }), {
      code: 'FST_ALLOWED_METHODS_AUDIT_DOCUMENT',
      message: 'fastify-allowed-methods audit: the document has no paths: nothing to audit ((object)); is it the right document?'
    })
  }
  t.equal(requests, 0)
  const emptyFile = file('empty.yaml', 'openapi: 3.0.3\ninfo: { title: Empty, version: "1" }\npaths: {}\n')
  const run = captureIO()
  t.equal(await main(['audit', base, '--openapi', emptyFile, '--format', 'json'], run), 2)
  t.equal(run.out(), '')
  t.equal(run.err(), `fastify-allowed-methods: using the OpenAPI document at ${emptyFile}\nfastify-allowed-methods: the document has no paths: nothing to audit (${emptyFile}); is it the right document?\n`)
  // an app with no documented route, in-process
  const app = Fastify()
  t.teardown(() => app.close())
  await t.rejects(audit({ app, openapi: empties[0] }), { message: /the document has no paths: nothing to audit/ })
})
