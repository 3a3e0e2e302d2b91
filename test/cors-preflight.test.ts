import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import fastifyCors from '@fastify/cors'
import fastifyAllowedMethods, { allowedMethodsCors } from '../lib/index'
import type { FastifyAllowedMethodsOptions } from '../lib/index'
import { listen, send } from './helpers/http'
import type { HttpResult } from './helpers/http'

/**
 * Issue 12, item 1: per-resource CORS preflights through @fastify/cors' delegator
 * (allowedMethodsCors()), over real TCP, in both registration orders.
 */

const ORIGIN = 'https://app.example'

function preflight (base: string, url: string, method: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return send(base, 'OPTIONS', url, { headers: { origin: ORIGIN, 'access-control-request-method': method, ...headers } })
}

type Order = 'cors first' | 'plugin first'

async function build (t: Test, order: Order, corsOptions: Record<string, unknown> = { origin: [ORIGIN] }, opts: FastifyAllowedMethodsOptions = {}): Promise<{ app: FastifyInstance, base: string }> {
  const app = Fastify()
  t.teardown(() => app.close())
  const cors = async (): Promise<void> => { await app.register(fastifyCors, allowedMethodsCors(corsOptions)) }
  if (order === 'cors first') await cors()
  await app.register(fastifyAllowedMethods, opts)
  if (order === 'plugin first') await cors()
  app.get('/items', async () => [])
  app.route({ method: ['GET', 'DELETE'], url: '/items/:id', handler: async () => 'item' })
  app.get('/served', async () => 'served')
  app.options('/served', async (_request, reply) => reply.code(200).send('own OPTIONS'))
  app.get('/by-caller', async () => 'by caller')
  app.options('/by-caller', { config: { allow: { hide: (request) => request.headers['x-role'] !== 'admin' } } }, async () => 'own OPTIONS')
  app.put('/by-caller', { config: { allow: { hide: (request) => request.headers['x-role'] !== 'admin' } } }, async () => 'put')
  app.get('/secret', async () => 'secret')
  app.put('/secret', { config: { allow: { hide: true } } }, async () => 'hidden')
  app.get('/hosted', { constraints: { host: 'a.example' } }, async () => 'a')
  app.post('/hosted', { constraints: { host: 'b.example' } }, async () => 'b')
  return { app, base: await listen(app) }
}

for (const order of ['cors first', 'plugin first'] as Order[]) {
  test(`preflights answered per resource, ${order}`, async (t) => {
    const { base } = await build(t, order)

    t.test('a supported method: its resource\'s methods, without automatic OPTIONS', async (t) => {
      const res = await preflight(base, '/items', 'GET')
      t.equal(res.status, 204)
      t.equal(res.headers['access-control-allow-origin'], ORIGIN)
      t.equal(res.headers['access-control-allow-methods'], 'GET, HEAD')
      t.equal(res.headers.allow, undefined, 'cors\' answer, not the plugin\'s OPTIONS')
      t.match(res.headers.vary, /\bOrigin\b/, 'dynamic options: Vary: Origin')
      const item = await preflight(base, '/items/42?x=1', 'DELETE')
      t.equal(item.status, 204)
      t.equal(item.headers['access-control-allow-methods'], 'GET, HEAD, DELETE')
    })

    t.test('an unsupported method: no allow-methods for it', async (t) => {
      for (const method of ['DELETE', 'PUT', 'PATCH', 'POST']) {
        const res = await preflight(base, '/items', method)
        t.equal(res.headers['access-control-allow-methods'], 'GET, HEAD', method)
        t.notMatch(res.headers['access-control-allow-methods'], method)
      }
    })

    t.test('an OPTIONS route the app serves is listed', async (t) => {
      const res = await preflight(base, '/served', 'OPTIONS')
      t.equal(res.headers['access-control-allow-methods'], 'GET, HEAD, OPTIONS')
    })

    t.test('an OPTIONS route hidden from this caller is not listed', async (t) => {
      t.equal((await preflight(base, '/by-caller', 'OPTIONS')).headers['access-control-allow-methods'], 'GET, HEAD')
      t.equal((await preflight(base, '/by-caller', 'OPTIONS', { 'x-role': 'admin' })).headers['access-control-allow-methods'], 'GET, HEAD, PUT, OPTIONS')
    })

    t.test('a method a hide function hides from this caller is not listed (the function is asked)', async (t) => {
      t.equal((await preflight(base, '/by-caller', 'PUT')).headers['access-control-allow-methods'], 'GET, HEAD')
      t.equal((await preflight(base, '/by-caller', 'PUT', { 'x-role': 'admin' })).headers['access-control-allow-methods'], 'GET, HEAD, PUT, OPTIONS')
      // and the answer for one caller is not remembered for the next
      t.equal((await preflight(base, '/by-caller', 'PUT')).headers['access-control-allow-methods'], 'GET, HEAD')
    })

    t.test('a hidden method is never told', async (t) => {
      const res = await preflight(base, '/secret', 'PUT')
      t.equal(res.headers['access-control-allow-methods'], 'GET, HEAD')
    })

    t.test('constrained routes: the methods for that request\'s Host', async (t) => {
      t.equal((await preflight(base, '/hosted', 'POST', { host: 'a.example' })).headers['access-control-allow-methods'], 'GET, HEAD')
      t.equal((await preflight(base, '/hosted', 'POST', { host: 'b.example' })).headers['access-control-allow-methods'], 'POST')
    })

    t.test('a URL nothing serves, and OPTIONS *: cors\' usual answer', async (t) => {
      for (const url of ['/nowhere', '*']) {
        const res = await preflight(base, url, 'DELETE')
        t.equal(res.status, 204, url)
        t.equal(res.headers['access-control-allow-methods'], 'GET,HEAD,POST', 'cors\' default methods')
      }
    })

    t.test('actual requests: cors\' headers, on a 405 too', async (t) => {
      const ok = await send(base, 'GET', '/items', { headers: { origin: ORIGIN } })
      t.equal(ok.status, 200)
      t.equal(ok.headers['access-control-allow-origin'], ORIGIN)
      const wrong = await send(base, 'DELETE', '/items', { headers: { origin: ORIGIN } })
      t.equal(wrong.status, 405)
      t.equal(wrong.headers.allow, 'GET, HEAD, OPTIONS')
      t.equal(wrong.headers['access-control-allow-origin'], ORIGIN)
    })

    t.test('a preflight refused by origin stays refused', async (t) => {
      const res = await send(base, 'OPTIONS', '/items', { headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } })
      t.equal(res.headers['access-control-allow-origin'], undefined)
    })

    t.test('a plain OPTIONS is not a preflight: cors leaves it to the app', async (t) => {
      const own = await send(base, 'OPTIONS', '/served', { headers: { origin: ORIGIN } })
      t.equal(own.status, 200)
      t.equal(own.body, 'own OPTIONS')
      t.equal(own.headers['access-control-allow-origin'], ORIGIN)
      const plain = await send(base, 'OPTIONS', '/items')
      if (order === 'plugin first') {
        t.equal(plain.status, 204, 'the plugin\'s automatic OPTIONS')
        t.equal(plain.headers.allow, 'GET, HEAD, OPTIONS')
      } else {
        // cors' catch-all existed before the plugin and carries none of its hooks: its handler
        // hands the request to the 404 handler (see the README, registration order)
        t.equal(plain.status, 404)
      }
    })
  })
}

test('cors options pass through: methods for unknown URLs, hook, credentials, allowed headers', async (t) => {
  const { base } = await build(t, 'plugin first', { origin: ORIGIN, methods: ['GET', 'PUT'], hook: 'preHandler', credentials: true, allowedHeaders: ['x-token'], maxAge: 600 })
  const res = await preflight(base, '/items/1', 'DELETE')
  t.equal(res.headers['access-control-allow-methods'], 'GET, HEAD, DELETE')
  t.equal(res.headers['access-control-allow-credentials'], 'true')
  t.equal(res.headers['access-control-allow-headers'], 'x-token')
  t.equal(res.headers['access-control-max-age'], '600')
  t.equal((await preflight(base, '/nowhere', 'DELETE')).headers['access-control-allow-methods'], 'GET, PUT')
})

test('preflightContinue: true: cors\' route answers the preflight, with the same methods', async (t) => {
  for (const order of ['cors first', 'plugin first'] as Order[]) {
    const { base } = await build(t, order, { origin: [ORIGIN], preflightContinue: true })
    const res = await preflight(base, '/items', 'DELETE')
    t.equal(res.status, 200, order)
    t.equal(res.headers['access-control-allow-methods'], 'GET, HEAD')
    t.equal(res.headers.allow, undefined)
  }
})

test('autoOptions: false: OPTIONS is listed only where a route serves it', async (t) => {
  const { base } = await build(t, 'cors first', { origin: ORIGIN }, { autoOptions: false })
  t.equal((await preflight(base, '/items', 'DELETE')).headers['access-control-allow-methods'], 'GET, HEAD')
  t.equal((await preflight(base, '/served', 'GET')).headers['access-control-allow-methods'], 'GET, HEAD, OPTIONS')
})

test('allowedMethodsCors() without options: cors\' defaults (any origin)', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  await app.register(fastifyCors, allowedMethodsCors())
  app.get('/items', async () => [])
  const base = await listen(app)
  const res = await preflight(base, '/items', 'DELETE')
  t.equal(res.headers['access-control-allow-origin'], '*')
  t.equal(res.headers['access-control-allow-methods'], 'GET, HEAD')
})

test('wrong options fail at once, with a code', async (t) => {
  t.throws(() => allowedMethodsCors({ delegator: (() => {}) as never }), { code: 'FST_ALLOWED_METHODS_INVALID_OPTION', message: /option "delegator" cannot be given to allowedMethodsCors\(\)/ })
  t.throws(() => allowedMethodsCors(null as unknown as object), { code: 'FST_ALLOWED_METHODS_INVALID_OPTION', message: /must be an object of @fastify\/cors options, got null/ })
  t.throws(() => allowedMethodsCors('*' as unknown as object), { code: 'FST_ALLOWED_METHODS_INVALID_OPTION', message: /got string/ })
  t.throws(() => allowedMethodsCors([] as unknown as object), { code: 'FST_ALLOWED_METHODS_INVALID_OPTION', message: /got object/ })
})

test('without fastify-allowed-methods a preflight fails with a code saying what to do', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyCors, allowedMethodsCors({ origin: ORIGIN }))
  app.get('/items', async () => [])
  const base = await listen(app)
  const res = await preflight(base, '/items', 'GET')
  t.equal(res.status, 500)
  t.match(JSON.parse(res.body), { code: 'FST_ALLOWED_METHODS_CORS_WITHOUT_PLUGIN', message: /register it on the root instance/ })
  t.equal((await send(base, 'GET', '/items', { headers: { origin: ORIGIN } })).status, 200, 'other requests are unaffected')
})
