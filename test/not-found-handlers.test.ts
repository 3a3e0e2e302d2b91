import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import fastifyAllowedMethods from '../lib/index'
import { listen, send } from './helpers/http'

/**
 * Contract point 3: a URL no method serves goes to the app's own notFound handler, untouched:
 * fastify's default, or the user's, at the root or under a prefix, set before or after the plugin.
 * The plugin never takes the root notFound slot. And point 2: a 405 goes through onSend hooks.
 */

async function withPlugin (t: Test, setup: (app: FastifyInstance) => void | Promise<void>): Promise<{ app: FastifyInstance, base: string }> {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  await setup(app)
  return { app, base: await listen(app) }
}

test('fastify\'s default 404, byte for byte as without the plugin', async (t) => {
  const routes = (app: FastifyInstance) => {
    app.get('/items', async () => 'items')
  }
  const { base } = await withPlugin(t, routes)
  const plain = Fastify()
  t.teardown(() => plain.close())
  routes(plain)
  const plainBase = await listen(plain)
  for (const [method, url] of [['GET', '/nowhere'], ['POST', '/nowhere?x=1'], ['DELETE', '/items/1'], ['HEAD', '/nowhere'], ['OPTIONS', '/nowhere']]) {
    const res = await send(base, method, url)
    const reference = await send(plainBase, method, url)
    t.equal(res.status, 404, `${method} ${url}`)
    t.equal(res.body, reference.body)
    t.equal(res.headers['content-type'], reference.headers['content-type'])
    t.equal(res.headers.allow, undefined)
  }
})

test('the user\'s own root notFound handler, set after the plugin', async (t) => {
  let calls = 0
  const { base } = await withPlugin(t, (app) => {
    app.get('/items', async () => 'items')
    app.setNotFoundHandler(async (request, reply) => {
      calls++
      return reply.code(404).send({ custom: true, url: request.url })
    })
  })
  const res = await send(base, 'GET', '/nowhere')
  t.equal(res.status, 404)
  t.same(JSON.parse(res.body), { custom: true, url: '/nowhere' })
  const wrong = await send(base, 'POST', '/items')
  t.equal(wrong.status, 405, 'a known URL still gets 405, not the notFound handler')
  t.equal(wrong.headers.allow, 'GET, HEAD, OPTIONS')
  t.equal(calls, 1, 'the handler ran for the unknown URL only')
  t.equal((await send(base, 'OPTIONS', '/nowhere')).body, JSON.stringify({ custom: true, url: '/nowhere' }))
})

test('the user\'s own root notFound handler, set before the plugin', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send('mine'))
  await app.register(fastifyAllowedMethods)
  app.get('/items', async () => 'items')
  const base = await listen(app)
  t.equal((await send(base, 'GET', '/nowhere')).body, 'mine')
  t.equal((await send(base, 'PUT', '/items')).status, 405)
  t.equal((await send(base, 'POST', '/items')).status, 405)
  t.equal((await send(base, 'GET', '/items')).body, 'items')
  // the root notFound slot is taken: the plugin's hooks go into that handler's context (test/hook-parity.test.ts)
  t.notMatch(app.printRoutes({ includeHooks: true }), /\(onRequest\)/, 'routes carry no hook of the plugin')
})

test('notFound handlers under a prefix', async (t) => {
  const { base } = await withPlugin(t, (app) => {
    app.get('/items', async () => 'items')
    app.register(async (api) => {
      api.setNotFoundHandler(async (_request, reply) => reply.code(404).send('api 404'))
      api.get('/users', async () => 'users')
      api.register(async (v1) => {
        v1.setNotFoundHandler(async (_request, reply) => reply.code(404).send('v1 404'))
        v1.post('/things', async () => 'thing')
      }, { prefix: '/v1' })
    }, { prefix: '/api' })
  })
  t.equal((await send(base, 'GET', '/api/nowhere')).body, 'api 404')
  t.equal((await send(base, 'GET', '/api/v1/nowhere')).body, 'v1 404')
  t.match(JSON.parse((await send(base, 'GET', '/nowhere')).body), { statusCode: 404, error: 'Not Found' }, 'the root keeps fastify\'s default')
  const users = await send(base, 'DELETE', '/api/users')
  t.equal(users.status, 405)
  t.equal(users.headers.allow, 'GET, HEAD, OPTIONS')
  const things = await send(base, 'GET', '/api/v1/things')
  t.equal(things.status, 405)
  t.equal(things.headers.allow, 'POST, OPTIONS')
  t.equal((await send(base, 'OPTIONS', '/api/v1/nowhere')).body, 'v1 404')
})

test('reply.callNotFound() on an allowed method stays 404', async (t) => {
  t.test('with fastify\'s default handler', async (t) => {
    const { base } = await withPlugin(t, (app) => {
      app.get('/maybe/:id', async (request, reply) => {
        if ((request.params as { id: string }).id !== 'yes') return reply.callNotFound()
        return 'found'
      })
    })
    t.equal((await send(base, 'GET', '/maybe/yes')).body, 'found')
    const missing = await send(base, 'GET', '/maybe/no')
    t.equal(missing.status, 404)
    t.equal(missing.headers.allow, undefined)
    t.match(JSON.parse(missing.body), { statusCode: 404, message: 'Route GET:/maybe/no not found' })
    t.equal((await send(base, 'HEAD', '/maybe/no')).status, 404)
    t.equal((await send(base, 'POST', '/maybe/no')).status, 405, 'other methods: 405 as usual')
  })

  t.test('with the user\'s handler, root and prefixed', async (t) => {
    const { base } = await withPlugin(t, (app) => {
      app.setNotFoundHandler(async (_request, reply) => reply.code(404).send('root 404'))
      app.get('/gone', async (_request, reply) => reply.callNotFound())
      app.register(async (api) => {
        api.setNotFoundHandler(async (_request, reply) => reply.code(404).send('api 404'))
        api.put('/gone', async (_request, reply) => reply.callNotFound())
      }, { prefix: '/api' })
    })
    t.equal((await send(base, 'GET', '/gone')).body, 'root 404')
    const api = await send(base, 'PUT', '/api/gone')
    t.equal(api.status, 404)
    t.equal(api.body, 'api 404')
    t.equal(api.headers.allow, undefined)
  })
})

test('405, 501 and OPTIONS go through the app\'s onSend and onResponse hooks', async (t) => {
  const seen: string[] = []
  const { base } = await withPlugin(t, (app) => {
    app.addHook('onSend', async (request, reply, payload) => {
      reply.header('x-on-send', `${request.method} ${reply.statusCode}`)
      if (reply.statusCode === 405 && typeof payload === 'string') {
        // hooks may rewrite the body, as for any reply; it is a JSON string (as fastify's own 404 body)
        const body = JSON.parse(payload) as Record<string, unknown>
        return JSON.stringify({ ...body, wrapped: true })
      }
      return payload
    })
    app.addHook('onResponse', async (request, reply) => {
      seen.push(`${request.method} ${reply.statusCode}`)
    })
    app.get('/items', async () => 'items')
  })
  const res = await send(base, 'POST', '/items')
  t.equal(res.status, 405)
  t.equal(res.headers['x-on-send'], 'POST 405')
  t.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
  t.match(JSON.parse(res.body), { status: 405, allow: ['GET', 'HEAD', 'OPTIONS'], wrapped: true })
  const head = await send(base, 'HEAD', '/nowhere')
  t.equal(head.headers['x-on-send'], 'HEAD 404')
  t.equal((await send(base, 'PURGE', '/items')).headers['x-on-send'], 'PURGE 501')
  t.equal((await send(base, 'OPTIONS', '/items')).headers['x-on-send'], 'OPTIONS 204')
  t.same(seen, ['POST 405', 'HEAD 404', 'PURGE 501', 'OPTIONS 204'])
})
