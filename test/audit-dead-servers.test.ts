import { test } from 'tap'
import type { Test } from 'tap'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import type { AddressInfo, Server as NetServer, Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import Fastify from 'fastify'
import { audit, formatReport, FST_ALLOWED_METHODS_AUDIT_NO_ANSWER } from '../lib/audit/index'
import { auditBounds, NO_ANSWER_REQUESTS } from '../lib/audit/bounds'
import { httpTransport, noAnswerKind } from '../lib/audit/http'
import { main } from '../lib/cli'
import { closeServer, listenServer } from './helpers/audit-servers'
import { captureIO, runCli } from './helpers/audit-cli'

// Whole-server failures (issue 10, item 4): a server that gives no HTTP answer at all stops the
// audit early with exit code 2 and one line saying what happened; --deadline bounds the whole run.

const fixtures = join(__dirname, 'fixtures', 'audit')
const cert = readFileSync(join(fixtures, 'tls-cert.pem'))
const key = readFileSync(join(fixtures, 'tls-key.pem'))

/** Twelve documented paths: 12 x 10 methods, more requests than any early stop needs. */
const document = {
  openapi: '3.1.0',
  info: { title: 'Twelve', version: '1' },
  paths: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`/r${i}`, { get: { responses: { 200: { description: 'ok' } } } }]))
}

async function listen (t: Test, server: NetServer): Promise<number> {
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
  })
  server.on('secureConnection', (socket: Socket) => { socket.on('error', () => {}) })
  server.on('tlsClientError', () => {})
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const socket of sockets) socket.destroy()
    server.close()
  })
  return (server.address() as AddressInfo).port
}

/** The servers that accept connections and never answer HTTP. */
const deadServers: Record<string, (t: Test) => Promise<string>> = {
  /** Accepts, reads, never answers. */
  hangs: async t => `http://127.0.0.1:${await listen(t, createNetServer(() => {}))}`,
  /** Closes every connection at once. */
  closes: async t => `http://127.0.0.1:${await listen(t, createNetServer(socket => socket.destroy()))}`,
  /** Speaks another protocol (an SSH banner) and closes. */
  'not HTTP': async t => `http://127.0.0.1:${await listen(t, createNetServer(socket => socket.end('SSH-2.0-OpenSSH_9.6\r\n')))}`,
  /** A TLS server, audited with http://. */
  'TLS for http://': async t => `http://127.0.0.1:${await listen(t, createTlsServer({ key, cert }, socket => socket.end()))}`,
  /** A plain HTTP server, audited with https://. */
  'plain HTTP for https://': async (t) => {
    const server = createServer((_req, res) => res.end('plain'))
    const base = await listenServer(server)
    t.teardown(() => closeServer(server))
    return base.replace('http:', 'https:')
  }
}

const expected: Record<string, RegExp> = {
  hangs: /^no HTTP answer from http:\/\/127\.0\.0\.1:\d+: no answer within 300 ms: the server accepts connections but does not answer \(8 requests to [12] URLs?; no answer within 300 ms\)$/,
  closes: /^no HTTP answer from http:\/\/127\.0\.0\.1:\d+: the server closes connections without answering \(8 requests to [12] URLs?; (socket hang up|the connection closed before a complete answer)\)$/,
  'not HTTP': /^no HTTP answer from http:\/\/127\.0\.0\.1:\d+: the server answers with something that is not HTTP \(8 requests to [12] URLs?; .*not HTTP.*SSH-2\.0-OpenSSH.*\)$/,
  'TLS for http://': /^no HTTP answer from http:\/\/127\.0\.0\.1:(\d+): the server closes connections without answering \(8 requests to [12] URLs?; .*\); it speaks TLS: use https:\/\/127\.0\.0\.1:\d+$/,
  'plain HTTP for https://': /^no HTTP answer from https:\/\/127\.0\.0\.1:\d+: the TLS handshake fails: is it a plain HTTP server\? Use an http:\/\/ base URL \(8 requests to [12] URLs?; the TLS handshake failed \(wrong version number\)\)$/
}

/** The error a promise rejects with. */
async function rejection (promise: Promise<unknown>): Promise<Error & { code: string }> {
  try {
    await promise
  } catch (err) {
    return err as Error & { code: string }
  }
  throw new Error('expected a rejection')
}

for (const [name, start] of Object.entries(deadServers)) {
  test(`a server that ${name}: exit 2 with one line, after the first requests, in bounded time`, async (t) => {
    const base = await start(t)
    const run = captureIO()
    const began = performance.now()
    const code = await main(['audit', base, '--timeout', '300'], run)
    const elapsed = performance.now() - began
    // no document given: discovery is the first thing that fails, its three URLs the same way
    t.equal(code, 2)
    t.equal(run.out(), '')
    t.equal(run.err().split('\n').filter(Boolean).length, 1, 'one line')
    t.match(run.err(), /^fastify-allowed-methods: no HTTP answer from /)
    // the audit itself, with the document given: 120 requests planned, 8 sent before the stop
    let done = 0
    const auditBegan = performance.now()
    const err = await rejection(audit({ baseUrl: base, openapi: document, timeout: 300, onProgress: () => { done++ } }))
    const auditElapsed = performance.now() - auditBegan
    t.equal(err.code, 'FST_ALLOWED_METHODS_AUDIT_NO_ANSWER')
    t.ok(err instanceof FST_ALLOWED_METHODS_AUDIT_NO_ANSWER, 'exported by fastify-allowed-methods/audit')
    t.match(err.message.replace(/^fastify-allowed-methods audit: /, ''), expected[name])
    t.equal(done, NO_ANSWER_REQUESTS - 1, 'stopped at the 8th failed request of 123')
    // discovery: its 3 URLs at once, one timeout at worst (hangs); the audit: one round of 8 requests
    t.ok(elapsed < 300 + 1500, `the CLI stopped in ${Math.round(elapsed)} ms`)
    t.ok(auditElapsed < 300 + 1500, `audit() stopped in ${Math.round(auditElapsed)} ms`)
  })
}

test('--deadline: a hanging server, a long timeout: what was checked is reported, incomplete, exit 2, on time', async (t) => {
  // answers /r0 to /r3 at once and hangs on every other path
  const server = createServer((req, res) => {
    const path = req.url as string
    if (/^\/r[0-3](\/|$)/.test(path) || path === '/openapi.json') {
      if (path === '/openapi.json') return res.end(JSON.stringify(document))
      res.writeHead(req.method === 'GET' || req.method === 'HEAD' ? 200 : 405, { allow: 'GET, HEAD' })
      return res.end()
    }
    if (path.startsWith('/fastify-allowed-methods-audit-404')) {
      res.writeHead(404)
      return res.end()
    }
    // hang
  })
  const base = await listenServer(server)
  t.teardown(() => closeServer(server))

  const began = performance.now()
  // every request in flight at once: the paths that answer are complete whatever the order; the
  // deadline leaves a loaded machine (CI runs two test files at once) time to answer them
  const report = await audit({ baseUrl: base, openapi: document, timeout: 60_000, deadline: 3000, concurrency: 200 })
  const elapsed = performance.now() - began
  t.ok(elapsed < 3000 + 1500, `audit() returned ${Math.round(elapsed)} ms after it started`)
  t.equal(report.ok, false)
  t.ok(report.incomplete)
  t.match(report.incomplete, {
    reason: /^the deadline \(3000 ms\) passed with \d+ requests of 123 not answered$/,
    uncheckedPaths: ['/r4', '/r5', '/r6', '/r7', '/r8', '/r9', '/r10', '/r11']
  })
  const checkedPaths = [...new Set(report.results.map(r => r.path))]
  t.same(checkedPaths, ['/r0', '/r1', '/r2', '/r3', '/fastify-allowed-methods-audit-404'], 'only complete paths are reported')
  t.ok(report.results.every(r => !r.reason.includes('deadline')), 'no check is judged on a request the deadline cut')

  // the CLI, as its own process: the report, the incomplete line, exit 2, and no timer left behind
  const cliBegan = performance.now()
  const child = await runCli(['audit', base, '--openapi', `${base}/openapi.json`, '--timeout', '60000', '--deadline', '4000', '--concurrency', '200', '--format', 'json'])
  const cliElapsed = performance.now() - cliBegan
  t.equal(child.code, 2)
  t.match(child.stderr, /^fastify-allowed-methods: using the OpenAPI document at .*\nfastify-allowed-methods: the audit is incomplete: the deadline \(4000 ms\) passed with \d+ requests of 123 not answered; not checked: \/r4, \/r5, \/r6, \/r7, \/r8 and 3 more\n$/)
  const json = JSON.parse(child.stdout)
  t.equal(json.incomplete.uncheckedPaths.length, 8)
  t.equal(json.ok, false)
  // the child's own start (the TypeScript loader) takes seconds; 60 s timeouts must not be waited for
  t.ok(cliElapsed < 30_000, `the CLI process ended ${Math.round(cliElapsed)} ms after it started`)
})

test('--deadline while the document is still loading: exit 2, nothing audited', async (t) => {
  const silent = createNetServer(() => {})
  const port = await listen(t, silent)
  const run = captureIO()
  const began = performance.now()
  t.equal(await main(['audit', `http://127.0.0.1:${port}`, '--openapi', `http://127.0.0.1:${port}/openapi.json`, '--deadline', '300'], run), 2)
  t.ok(performance.now() - began < 1500)
  t.equal(run.err(), 'fastify-allowed-methods: the deadline (300 ms) passed before the document was loaded: nothing was audited\n')
  // discovery, through the audit's own transport
  const discovery = captureIO()
  t.equal(await main(['audit', `http://127.0.0.1:${port}`, '--deadline', '300'], discovery), 2)
  t.equal(discovery.err(), 'fastify-allowed-methods: the deadline (300 ms) passed before the document was loaded: nothing was audited\n')
})

test('in-process: the deadline cuts app.inject() answers too; formats say the audit is incomplete', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/r0', async () => 'fast')
  app.all('/r1', async () => new Promise(() => {}))
  const doc = { openapi: '3.1.0', paths: { '/r0': { get: {} }, '/r1': { get: {} } } }
  const report = await audit({ app, openapi: doc, deadline: 300, concurrency: 100 })
  t.match(report.incomplete, { uncheckedPaths: ['/r1'] })
  t.same([...new Set(report.results.map(r => r.path))], ['/r0', '/fastify-allowed-methods-audit-404'])
  t.match(formatReport(report, 'table'), /\n⚠ the audit is incomplete: the deadline \(300 ms\) passed with \d+ requests? of 23 not answered; not checked: \/r1\n$/)
  t.match(formatReport(report, 'tap'), /\nBail out! the audit is incomplete: the deadline \(300 ms\) passed/)
})

test('a server that answers some requests is audited to the end, however many others fail', async (t) => {
  // every OPTIONS is closed without an answer; everything else is answered
  const server = createServer((req, res) => {
    if (req.method === 'OPTIONS') return req.socket.destroy()
    res.writeHead(req.method === 'GET' || req.method === 'HEAD' ? 200 : 405, { allow: 'GET, HEAD' })
    res.end()
  })
  const base = await listenServer(server)
  t.teardown(() => closeServer(server))
  const report = await audit({ baseUrl: base, openapi: document })
  t.equal(report.incomplete, undefined)
  t.equal(report.summary.requests, 123)
  t.ok(report.results.some(r => r.method === 'OPTIONS' && r.verdict === 'fail' && /got no answer/.test(r.reason)))
})

test('no HTTP answer to any request, in different ways: stopped at the end with the counts', async (t) => {
  // the first connections hang, the later ones are closed: no early stop (not the same way), no answer at all
  let connections = 0
  const server = createNetServer((socket) => {
    connections++
    if (connections > 6) socket.destroy()
  })
  const port = await listen(t, server)
  const doc = { openapi: '3.1.0', paths: { '/a': { get: {} } } }
  const err = await rejection(audit({ baseUrl: `http://127.0.0.1:${port}`, openapi: doc, timeout: 300, concurrency: 6 }))
  t.equal(err.code, 'FST_ALLOWED_METHODS_AUDIT_NO_ANSWER')
  t.match(err.message, /: none of 13 requests to 2 URLs got an HTTP answer \(6 timeout, 7 closed; the first: no answer within 300 ms\)$/)
})

test('bounds, unit: the early stop counts only the audit\'s own requests; a foreign failure is "closed"', async (t) => {
  t.equal(noAnswerKind({ status: 0, headers: {}, body: Buffer.alloc(0), error: 'x' }), 'closed')
  const bounds = auditBounds({ deadline: undefined, base: undefined, timeout: 100 })
  t.teardown(() => bounds.stop())
  const failing = bounds.watch({ send: async () => ({ status: 0, headers: {}, body: Buffer.alloc(0), error: 'boom' }), close () {} })
  // in-process names: target in-process
  for (let i = 1; i < NO_ANSWER_REQUESTS; i++) await failing.send('GET', '/same')
  await t.rejects(failing.send('GET', '/same'), { code: 'FST_ALLOWED_METHODS_AUDIT_NO_ANSWER', message: /^fastify-allowed-methods audit: no HTTP answer from in-process: the server closes connections without answering \(8 requests to 1 URL; boom\)$/ })
  // once stopped, any other failure is the same error
  await t.rejects(failing.send('GET', '/other'), { code: 'FST_ALLOWED_METHODS_AUDIT_NO_ANSWER' })
  bounds.startRun()
  await bounds.finishRun()
  t.pass('no request after startRun: nothing to say')
  t.same(bounds.complete([], 0), { results: [] })
})

test('bounds, unit: after the deadline nothing more is sent; a send in flight is cut', async (t) => {
  const bounds = auditBounds({ deadline: 50, base: undefined, timeout: 100 })
  t.teardown(() => bounds.stop())
  let sent = 0
  const never = bounds.watch({ send: () => { sent++; return new Promise(() => {}) }, close () {} })
  const inFlight = never.send('GET', '/a')
  t.match(await inFlight, { status: 0, error: 'not answered before the deadline' })
  t.equal(bounds.signal.aborted, true)
  t.match(await never.send('GET', '/b'), { status: 0, error: 'not answered before the deadline' })
  t.equal(sent, 1, 'the send after the deadline never reached the transport')
  const result = { path: '/a', url: '/a', method: 'GET', check: 'served' as const, expected: '', got: '', verdict: 'fail' as const, reason: '' }
  t.same(bounds.complete([result, { ...result, path: '/c', url: '/c' }], 3), {
    results: [{ ...result, path: '/c', url: '/c' }],
    incomplete: { reason: 'the deadline (50 ms) passed with 2 requests of 3 not answered', requestsNotAnswered: 2, uncheckedPaths: ['/a'] }
  })
})

test('a closed transport sends nothing more: each request resolves as "no answer"', async (t) => {
  const server = createNetServer(() => {})
  const port = await listen(t, server)
  const transport = httpTransport(new URL(`http://127.0.0.1:${port}`), { timeout: 60_000, concurrency: 2, headers: {}, tls: undefined })
  const pending = [transport.send('GET', '/'), transport.send('HEAD', '/')]
  await new Promise(resolve => setTimeout(resolve, 100))
  transport.close()
  t.match(await Promise.all(pending), [{ status: 0, error: 'the audit stopped before an answer came' }, { status: 0, error: 'the audit stopped before an answer came' }])
  t.match(await transport.send('GET', '/'), { status: 0, error: 'the audit stopped before this request was sent' })
})
