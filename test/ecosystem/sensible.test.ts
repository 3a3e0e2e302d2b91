import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import sensible from '@fastify/sensible'
import fastifyAllowedMethods from '../../lib/index'
import { listen, send } from '../helpers/http'
import { expectSameAnswers } from '../helpers/same-answers'
import type { Exchange } from '../helpers/same-answers'

/**
 * @fastify/sensible only decorates (httpErrors, assert, to, reply.notFound() and friends, vary,
 * cache control): no hook, no route. What a route answers with it stays exactly as it was, a
 * `reply.notFound()` included (a 404 sent by a matched route is that route's answer, not a 404 the
 * plugin could turn into a 405), and the plugin's own 405, 501 and OPTIONS are unchanged by it.
 */

type Order = 'plugin first' | 'sensible first'
const ORDERS: Order[] = ['plugin first', 'sensible first']

function routes (app: FastifyInstance): void {
  app.get('/items/:id', async (request, reply) => {
    const { id } = request.params as { id: string }
    if (id !== '1') return reply.notFound(`no item ${id}`)
    return { id }
  })
  app.delete('/items/:id', async (request) => ({ deleted: (request.params as { id: string }).id }))
  app.get('/missing', async (_request, reply) => reply.callNotFound())
  app.get('/teapot', async () => { throw app.httpErrors.imateapot('short and stout') })
  app.get('/legacy', async (_request, reply) => reply.methodNotAllowed('use /items'))
  app.get('/checked', async (request) => {
    app.assert((request.query as { ok?: string }).ok === 'yes', 400, 'ok must be yes')
    const [err, value] = await app.to(Promise.resolve(42))
    return { err, value }
  })
  app.post('/typed', async (request, reply) => {
    reply.vary('accept')
    reply.cacheControl('max-age', 60)
    return { json: request.is(['json']), forwarded: request.forwarded() }
  })
}

async function build (t: Test, order: Order | null, withSensible = true): Promise<string> {
  const app = Fastify()
  t.teardown(() => app.close())
  if (order === 'plugin first') await app.register(fastifyAllowedMethods)
  if (withSensible) await app.register(sensible)
  if (order === 'sensible first') await app.register(fastifyAllowedMethods)
  if (withSensible) routes(app)
  else app.get('/items/:id', async () => 'no sensible').delete('/items/:id', async () => 'no sensible').get('/legacy', async () => 'x')
  return listen(app)
}

const json = { 'content-type': 'application/json' }

const MATCHED: Exchange[] = [
  { method: 'GET', path: '/items/1' },
  { method: 'GET', path: '/items/2' },
  { method: 'HEAD', path: '/items/2' },
  { method: 'DELETE', path: '/items/2' },
  { method: 'GET', path: '/missing' },
  { method: 'GET', path: '/teapot' },
  { method: 'GET', path: '/legacy' },
  { method: 'GET', path: '/checked?ok=yes' },
  { method: 'GET', path: '/checked?ok=no' },
  { method: 'POST', path: '/typed', headers: { ...json, 'x-forwarded-for': '10.0.0.1' }, body: '{}' }
]

for (const order of ORDERS) {
  test(`@fastify/sensible (${order})`, async (t) => {
    const base = await build(t, order)
    const plainBase = await build(t, null)

    t.test('reply.notFound() from a matched route stays a 404', async (t) => {
      const res = await send(base, 'GET', '/items/2')
      t.equal(res.status, 404)
      t.equal(res.headers.allow, undefined)
      t.strictSame(JSON.parse(res.body), { statusCode: 404, error: 'Not Found', message: 'no item 2' })
      t.equal((await send(base, 'HEAD', '/items/2')).status, 404)
      t.equal((await send(base, 'GET', '/missing')).status, 404, 'reply.callNotFound() too')
    })

    t.test('a route\'s own httpErrors answer is its own, a 405 from reply.methodNotAllowed() included', async (t) => {
      const legacy = await send(base, 'GET', '/legacy')
      t.equal(legacy.status, 405)
      t.equal(legacy.headers.allow, undefined, 'the plugin does not touch a matched route\'s answer')
      t.strictSame(JSON.parse(legacy.body), { statusCode: 405, error: 'Method Not Allowed', message: 'use /items' })
      t.equal((await send(base, 'GET', '/teapot')).status, 418)
      t.equal((await send(base, 'GET', '/checked?ok=no')).status, 400)
    })

    t.test('matched routes answer as without the plugin', async (t) => {
      await expectSameAnswers(t, base, plainBase, MATCHED)
    })

    t.test('the plugin\'s answers are the same as in an app without sensible', async (t) => {
      const withoutSensible = await build(t, order, false)
      const wrong = await send(base, 'POST', '/items/1')
      t.equal(wrong.status, 405)
      t.equal(wrong.headers.allow, 'GET, HEAD, DELETE, OPTIONS')
      t.equal(wrong.headers['content-type'], 'application/problem+json')
      t.match(JSON.parse(wrong.body), { type: 'about:blank', title: 'Method Not Allowed', status: 405, instance: '/items/1' })
      await expectSameAnswers(t, base, withoutSensible, [
        { method: 'POST', path: '/items/1', headers: json, body: '{"a":1}' },
        { method: 'PUT', path: '/items/2?x=1' },
        { method: 'POST', path: '/legacy' },
        { method: 'OPTIONS', path: '/items/1' },
        { method: 'PURGE', path: '/items/1' },
        { method: 'GET', path: '/nowhere' }
      ], 'as in the same app without sensible')
    })
  })
}
