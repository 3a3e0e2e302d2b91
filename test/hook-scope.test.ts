import { test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import fastifyCors from '@fastify/cors'
import fastifyPlugin from 'fastify-plugin'
import fastifyAllowedMethods from '../lib/index'
import { listen, send } from './helpers/http'

/**
 * Where the plugin runs: only in fastify's notFound contexts (matched routes run none of its code),
 * and where that cannot be had, a root hook with one check. Read from fastify's own route listing.
 */

function onRequestHooksOf (app: FastifyInstance): number {
  return (app.printRoutes({ includeHooks: true }).match(/\(onRequest\)/g) ?? []).length
}

test('matched routes run no code of the plugin: no hook on any route', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.get('/items/:id', async () => 'item')
  app.register(async (api) => {
    api.post('/things', async () => 'thing')
  }, { prefix: '/api' })
  const base = await listen(app)
  t.equal(onRequestHooksOf(app), 0, 'fastify lists no onRequest hook on any route')
  t.equal((await send(base, 'GET', '/items/1')).body, 'item')
  const res = await send(base, 'PATCH', '/items/1')
  t.equal(res.status, 405)
  t.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
  t.equal((await send(base, 'GET', '/api/things')).status, 405)
  t.equal((await send(base, 'OPTIONS', '/api/things')).status, 204)
})

test('the app\'s root onRequest hooks run before a 405, as they run before a 404', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  const seen: string[] = []
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    seen.push(`${request.method} ${request.url}`)
    if (request.headers.authorization === undefined) {
      reply.code(401).send({ error: 'who are you' })
      return
    }
    done()
  })
  app.get('/items', async () => 'items')
  const base = await listen(app)
  t.equal((await send(base, 'PUT', '/items')).status, 401, 'the app\'s hook answered first')
  const res = await send(base, 'PUT', '/items', { headers: { authorization: 'yes' } })
  t.equal(res.status, 405)
  t.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
  t.equal((await send(base, 'GET', '/nowhere', { headers: { authorization: 'yes' } })).status, 404)
  t.same(seen, ['PUT /items', 'PUT /items', 'GET /nowhere'])
})

test('every form of setNotFoundHandler after the plugin keeps the 405s and the app\'s own hooks', async (t) => {
  type Setup = (app: FastifyInstance, log: string[]) => void
  const hook = (log: string[], name: string) => (_request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    log.push(name)
    done()
  }
  const forms: Array<[string, Setup, string]> = [
    ['handler only', (app) => { app.setNotFoundHandler(async (_req, reply) => reply.code(404).send('mine')) }, 'mine'],
    ['opts with one onRequest hook', (app, log) => {
      app.setNotFoundHandler({ onRequest: hook(log, 'theirs') } as never, async (_req, reply) => reply.code(404).send('mine'))
    }, 'mine'],
    ['opts with onRequest and preHandler arrays', (app, log) => {
      app.setNotFoundHandler({ onRequest: [hook(log, 'theirs')], preHandler: [hook(log, 'pre')] } as never, async (_req, reply) => reply.code(404).send('mine'))
    }, 'mine'],
    ['no handler: back to fastify\'s default', (app) => { (app as unknown as { setNotFoundHandler: () => void }).setNotFoundHandler() }, '{"message":"Route GET:/nowhere not found","error":"Not Found","statusCode":404}']
  ]
  for (const [name, setup, body404] of forms) {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(fastifyAllowedMethods)
    const log: string[] = []
    setup(app, log)
    app.get('/items', async () => 'items')
    const base = await listen(app)
    const res = await send(base, 'DELETE', '/items')
    t.equal(res.status, 405, name)
    t.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
    t.equal((await send(base, 'GET', '/nowhere')).body, body404)
    if (name.startsWith('opts')) t.same(log.filter(entry => entry === 'theirs').length, 2, 'their onRequest hook ran for the 405 and the 404')
    t.equal(onRequestHooksOf(app), 0, 'still no hook on matched routes')
  }
})

test('@fastify/cors registered before the plugin: still no hook of the plugin on routes', async (t) => {
  async function build (withPlugin: boolean): Promise<FastifyInstance> {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(fastifyCors, { origin: true })
    if (withPlugin) await app.register(fastifyAllowedMethods)
    app.get('/items', async () => 'items')
    return app
  }
  const plain = await build(false)
  const app = await build(true)
  const base = await listen(app)
  await plain.ready()
  t.equal(app.printRoutes({ includeHooks: true }), plain.printRoutes({ includeHooks: true }), 'the same hooks as without the plugin: cors\' only')
  t.equal((await send(base, 'POST', '/items')).status, 405)
})

test('registered inside an encapsulated plugin: ready() fails and says where to register it', async (t) => {
  for (const prefix of [undefined, '/api']) {
    const app = Fastify()
    t.teardown(() => app.close())
    app.register(async (child) => {
      await child.register(fastifyAllowedMethods)
      child.get('/items', async () => 'items')
    }, prefix === undefined ? {} : { prefix })
    await t.rejects(async () => { await app.ready() }, { code: 'FST_ALLOWED_METHODS_NOT_ROOT', message: /root instance/ }, `prefix ${String(prefix)}`)
  }
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyPlugin(async (instance) => { await instance.register(fastifyAllowedMethods) }))
  app.get('/items', async () => 'items')
  t.equal((await app.inject({ method: 'PUT', url: '/items' })).statusCode, 405, 'inside a fastify-plugin plugin at the root: fine')
})
