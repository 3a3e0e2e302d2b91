import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance, RawServerBase } from 'fastify'
import { connect } from 'node:http2'
import type { ClientHttp2Session, IncomingHttpHeaders, IncomingHttpStatusHeader, OutgoingHttpHeaders } from 'node:http2'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import fastifyAllowedMethods from '../lib/index'

/**
 * Contract point 12: HTTP/2, cleartext (h2c) and over TLS, with node:http2 as the client. The
 * host constraint comes from `:authority` there (HTTP/2 has no Host header).
 */

const key = readFileSync(join(__dirname, 'fixtures', 'tls', 'localhost.key'))
const cert = readFileSync(join(__dirname, 'fixtures', 'tls', 'localhost.crt'))

interface H2Answer { status: number, headers: IncomingHttpHeaders & IncomingHttpStatusHeader, body: string }

function request (session: ClientHttp2Session, headers: OutgoingHttpHeaders, body?: string): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined })
    let answer: IncomingHttpHeaders & IncomingHttpStatusHeader = {}
    const chunks: Buffer[] = []
    stream.on('response', (h) => { answer = h })
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('end', () => resolve({ status: Number(answer[':status']), headers: answer, body: Buffer.concat(chunks).toString() }))
    stream.on('error', reject)
    if (body !== undefined) stream.end(body)
  })
}

function routes<S extends RawServerBase> (app: FastifyInstance<S>): void {
  app.get('/items', async () => 'items')
  app.post('/items/:id', async () => 'posted')
  app.get('/tenant', { constraints: { host: 'a.example' } }, async () => 'tenant a')
  app.post('/tenant', { constraints: { host: 'b.example' } }, async () => 'tenant b')
}

type Mode = 'h2c' | 'TLS'

interface Started { session: ClientHttp2Session, allowedMethods: FastifyInstance['allowedMethods'] }

function start (t: Test, mode: Mode): Promise<Started> {
  return mode === 'h2c'
    ? setup(t, mode, Fastify({ http2: true }))
    : setup(t, mode, Fastify({ http2: true, https: { key, cert } }))
}

async function setup<S extends RawServerBase> (t: Test, mode: Mode, app: FastifyInstance<S>): Promise<Started> {
  await app.register(fastifyAllowedMethods)
  routes(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const session = mode === 'h2c'
    ? connect(`http://127.0.0.1:${port}`)
    : connect(`https://localhost:${port}`, { ca: cert, host: '127.0.0.1' })
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve())
    session.once('error', reject)
  })
  t.teardown(async () => {
    session.close()
    await app.close()
  })
  return { session, allowedMethods: app.allowedMethods.bind(app) }
}

for (const mode of ['h2c', 'TLS'] as Mode[]) {
  test(`HTTP/2 (${mode})`, async (t) => {
    const { session, allowedMethods } = await start(t, mode)
    const at = (method: string, path: string, authority = '127.0.0.1', extra: OutgoingHttpHeaders = {}) =>
      ({ ':method': method, ':path': path, ':authority': authority, ...extra })

    if (mode === 'TLS') t.equal(session.alpnProtocol, 'h2', 'negotiated h2 over TLS')

    t.test('routes keep working', async (t) => {
      const res = await request(session, at('GET', '/items'))
      t.equal(res.status, 200)
      t.equal(res.body, 'items')
    })

    t.test('405 with Allow and a problem body', async (t) => {
      const res = await request(session, at('DELETE', '/items?x=1'))
      t.equal(res.status, 405)
      t.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
      t.equal(res.headers['content-type'], 'application/problem+json')
      t.same(JSON.parse(res.body), {
        type: 'about:blank',
        title: 'Method Not Allowed',
        status: 405,
        detail: 'The DELETE method is not allowed for /items. Allowed methods: GET, HEAD, OPTIONS.',
        instance: '/items',
        allow: ['GET', 'HEAD', 'OPTIONS']
      })
      const param = await request(session, at('GET', '/items/7'))
      t.equal(param.status, 405)
      t.equal(param.headers.allow, 'POST, OPTIONS')
    })

    t.test('405 before an invalid JSON body is read', async (t) => {
      const res = await request(session, at('PUT', '/items', '127.0.0.1', { 'content-type': 'application/json' }), '{"broken":')
      t.equal(res.status, 405)
      t.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
    })

    t.test('HEAD on a 405: headers, no body', async (t) => {
      const res = await request(session, at('HEAD', '/items/7'))
      t.equal(res.status, 405)
      t.equal(res.headers.allow, 'POST, OPTIONS')
      t.equal(res.body, '')
    })

    t.test('OPTIONS: 204 with Allow, no body', async (t) => {
      const res = await request(session, at('OPTIONS', '/items'))
      t.equal(res.status, 204)
      t.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
      t.equal(res.body, '')
      t.equal((await request(session, at('OPTIONS', '/nowhere'))).status, 404)
    })

    t.test('501 for methods fastify does not support', async (t) => {
      for (const method of ['PURGE', 'LINK', 'PROPFIND']) {
        const res = await request(session, at(method, '/items'))
        t.equal(res.status, 501, method)
        t.equal(res.headers['content-type'], 'application/problem+json')
        t.match(JSON.parse(res.body), { status: 501, detail: `The ${method} method is not implemented by this server.` })
      }
    })

    t.test('a token outside Node\'s method list (only HTTP/2 lets it through) never gets a false 405', async (t) => {
      // Known limitation: fastify's 404 router has no tree for such a method and answers from its
      // last-resort fallback (FST_ERR_NOT_FOUND), which runs no onRequest hook, so the plugin
      // never sees the request and cannot answer 501. HTTP/1.1 refuses these tokens (400).
      for (const method of ['FOO', 'get']) {
        const res = await request(session, at(method, '/items'))
        t.equal(res.status, 404, method)
        t.equal(res.headers.allow, undefined)
        t.match(JSON.parse(res.body), { code: 'FST_ERR_NOT_FOUND' })
      }
    })

    t.test('unknown URLs: fastify\'s 404', async (t) => {
      const res = await request(session, at('POST', '/nowhere'))
      t.equal(res.status, 404)
      t.equal(res.headers.allow, undefined)
      t.same(JSON.parse(res.body), { message: 'Route POST:/nowhere not found', error: 'Not Found', statusCode: 404 })
    })

    t.test('host constraints are derived from :authority', async (t) => {
      t.equal((await request(session, at('GET', '/tenant', 'a.example'))).body, 'tenant a')
      const a = await request(session, at('POST', '/tenant', 'a.example'))
      t.equal(a.status, 405)
      t.equal(a.headers.allow, 'GET, HEAD, OPTIONS')
      const b = await request(session, at('GET', '/tenant', 'b.example'))
      t.equal(b.status, 405)
      t.equal(b.headers.allow, 'POST, OPTIONS')
      t.equal((await request(session, at('OPTIONS', '/tenant', 'b.example'))).headers.allow, 'POST, OPTIONS')
      t.equal((await request(session, at('GET', '/tenant', 'c.example'))).status, 404, 'no route for this host')
      t.same(allowedMethods('/tenant', { ':authority': 'b.example' }), ['POST', 'OPTIONS'])
      t.same(allowedMethods('/tenant', { host: 'a.example' }), ['GET', 'HEAD', 'OPTIONS'])
    })
  })
}
