import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import fastifyAllowedMethods from '../lib/index'
import { RawConnection, rawRequest } from './helpers/raw-http'
import type { RawResponse } from './helpers/raw-http'

/**
 * Contract point 6: bodies are never read on the way to 405, 501 or OPTIONS. Over raw TCP, so
 * that a body can be sent in part, left unfinished, or followed at once by a pipelined request.
 */

const BODY_LIMIT = 1024

interface BodyCase {
  name: string
  headers: Record<string, string | number>
  /** The bytes that make up the body on the wire (already chunk-framed when chunked). */
  first: string
  rest: string
  /** What a route that reads this body answers, proving the body is really bad. */
  control: number | null
}

const oversized = '[' + '1,'.repeat(BODY_LIMIT) + '1]'

const BODIES: BodyCase[] = [
  {
    name: 'invalid JSON',
    headers: { 'content-type': 'application/json', 'content-length': 12 },
    first: '{"a": tr',
    rest: 'ue,}',
    control: 400
  },
  {
    name: 'an unknown content type',
    headers: { 'content-type': 'application/x-unknown', 'content-length': 10 },
    first: 'hello',
    rest: 'world',
    control: 415
  },
  {
    name: 'a body over bodyLimit',
    headers: { 'content-type': 'application/json', 'content-length': oversized.length },
    first: oversized.slice(0, 100),
    rest: oversized.slice(100),
    control: 413
  },
  {
    name: 'a chunked body',
    headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    first: '5\r\n{"a":\r\n',
    rest: '3\r\n 1}\r\n0\r\n\r\n',
    control: null // an unfinished body on a route that reads it never gets an answer
  }
]

interface Target {
  name: string
  method: string
  url: string
  status: number
  allow: string | undefined
  /** Members the problem+json body must have; null: no body at all. */
  problem: Record<string, unknown> | null
}

const TARGETS: Target[] = [
  { name: 'a 405 URL', method: 'POST', url: '/thing?x=1', status: 405, allow: 'GET, HEAD, OPTIONS', problem: { status: 405, instance: '/thing', allow: ['GET', 'HEAD', 'OPTIONS'] } },
  { name: 'OPTIONS', method: 'OPTIONS', url: '/thing', status: 204, allow: 'GET, HEAD, OPTIONS', problem: null },
  { name: 'a 501 method', method: 'PURGE', url: '/thing', status: 501, allow: undefined, problem: { status: 501, title: 'Not Implemented', instance: '/thing' } }
]

function check (t: Test, target: Target, res: RawResponse): void {
  t.equal(res.status, target.status)
  t.equal(res.headers.allow, target.allow)
  if (target.problem === null) {
    t.equal(res.body, '')
    return
  }
  t.equal(res.headers['content-type'], 'application/problem+json')
  t.match(JSON.parse(res.body), target.problem)
}

async function start (t: Test): Promise<{ app: FastifyInstance, port: number }> {
  const app = Fastify({ bodyLimit: BODY_LIMIT })
  await app.register(fastifyAllowedMethods)
  app.get('/thing', async () => 'thing')
  app.post('/json', async (request) => ({ got: request.body }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  return { app, port: (app.server.address() as AddressInfo).port }
}

async function connection (t: Test, port: number): Promise<RawConnection> {
  const conn = await RawConnection.open(port)
  t.teardown(() => conn.close())
  return conn
}

async function expectNext (t: Test, conn: RawConnection): Promise<void> {
  const next = await conn.response()
  t.equal(next.status, 200, 'the next request on the connection is answered')
  t.equal(next.body, 'thing')
}

test('bodies are never read on the way to 405, OPTIONS and 501', async (t) => {
  const { port } = await start(t)

  for (const body of BODIES) {
    for (const target of TARGETS) {
      t.test(`${body.name} to ${target.name}: the answer comes before the body ends`, async (t) => {
        const conn = await connection(t, port)
        const started = Date.now()
        conn.write(rawRequest(target.method, target.url, body.headers, body.first))
        const res = await conn.response({ timeoutMs: 1500 })
        t.ok(Date.now() - started < 1500, 'answered at once')
        check(t, target, res)
        t.notOk(conn.closed, 'the connection stays open')
        conn.write(body.rest + rawRequest('GET', '/thing'))
        await expectNext(t, conn)
      })

      t.test(`${body.name} to ${target.name}: a pipelined request is answered`, async (t) => {
        const conn = await connection(t, port)
        conn.write(rawRequest(target.method, target.url, body.headers, body.first + body.rest) + rawRequest('GET', '/thing'))
        check(t, target, await conn.response())
        await expectNext(t, conn)
      })
    }

    if (body.control !== null) {
      const status = body.control
      t.test(`${body.name} is refused by a route that reads it (${status})`, async (t) => {
        const conn = await connection(t, port)
        conn.write(rawRequest('POST', '/json', body.headers, body.first + body.rest))
        const res = await conn.response()
        t.equal(res.status, status)
      })
    }
  }

  t.test('a body never sent at all (Content-Length announced, no bytes) does not delay the 405', async (t) => {
    const conn = await connection(t, port)
    conn.write(rawRequest('PUT', '/thing', { 'content-type': 'application/json', 'content-length': 100000 }))
    const res = await conn.response({ timeoutMs: 1500 })
    t.equal(res.status, 405)
    t.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
  })
})

test('QUERY without Content-Type gets the plugin\'s answer, not fastify\'s 400', async (t) => {
  const { port } = await start(t)

  t.test('on a URL that exists: 405 at once, then the next request', async (t) => {
    const conn = await connection(t, port)
    conn.write(rawRequest('QUERY', '/thing', { 'content-length': 10 }, 'a=1'))
    const res = await conn.response({ timeoutMs: 1500 })
    t.equal(res.status, 405)
    t.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
    t.match(JSON.parse(res.body), { status: 405, detail: /QUERY/ })
    conn.write('&b=2&c=' + rawRequest('GET', '/thing'))
    await expectNext(t, conn)
  })

  t.test('pipelined, without a body', async (t) => {
    const conn = await connection(t, port)
    conn.write(rawRequest('QUERY', '/thing') + rawRequest('GET', '/thing'))
    t.equal((await conn.response()).status, 405)
    await expectNext(t, conn)
  })

  t.test('on a URL that does not exist, fastify keeps its own answer', async (t) => {
    const plain = Fastify()
    plain.get('/thing', async () => 'thing')
    await plain.listen({ port: 0, host: '127.0.0.1' })
    t.teardown(() => plain.close())
    const request = rawRequest('QUERY', '/nowhere', { 'content-length': 3 }, 'a=1') + rawRequest('GET', '/thing')
    const answers: RawResponse[] = []
    for (const p of [port, (plain.server.address() as AddressInfo).port]) {
      const conn = await connection(t, p)
      conn.write(request)
      answers.push(await conn.response())
      await expectNext(t, conn)
    }
    const [withPlugin, without] = answers
    t.equal(withPlugin.status, without.status, `status ${without.status} as without the plugin`)
    t.equal(withPlugin.body, without.body)
    t.equal(withPlugin.headers.allow, undefined)
  })
})
