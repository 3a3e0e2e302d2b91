import { test } from 'tap'
import Fastify from 'fastify'
import cors from '@fastify/cors'
import fastifyStatic from '@fastify/static'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fastifyAllowedMethods from '../lib/index'

test('a route added before the plugin makes ready() fail with a clear, coded error', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/early', async () => 'x')
  app.register(fastifyAllowedMethods)
  await t.rejects(async () => { await app.ready() }, {
    code: 'FST_ALLOWED_METHODS_REGISTERED_LATE',
    message: /registered after routes were added \(routes for GET, HEAD\)\. Register it before any route/
  })
})

test('a register() that is not awaited runs after synchronous routes: ready() fails and says so', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(fastifyAllowedMethods)
  app.get('/a', async () => 'a')
  await t.rejects(async () => { await app.ready() }, { code: 'FST_ALLOWED_METHODS_REGISTERED_LATE', message: /and await it/ })
})

test('a route plugin registered before the plugin makes ready() fail', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(async (child) => { child.post('/things', async () => 'x') }, { prefix: '/api' })
  app.register(fastifyAllowedMethods)
  await t.rejects(async () => { await app.ready() }, { code: 'FST_ALLOWED_METHODS_REGISTERED_LATE', message: /routes for POST/ })
})

test('routes registered after the plugin, at any depth, are handled', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.get('/a', async () => 'a')
  app.register(async (child) => {
    child.register(async (grandchild) => { grandchild.put('/deep', async () => 'deep') }, { prefix: '/g' })
  }, { prefix: '/c' })
  await app.ready()
  const a = await app.inject({ method: 'DELETE', url: '/a' })
  t.equal(a.statusCode, 405)
  t.equal(a.headers.allow, 'GET, HEAD, OPTIONS')
  const deep = await app.inject({ method: 'GET', url: '/c/g/deep' })
  t.equal(deep.statusCode, 405)
  t.equal(deep.headers.allow, 'PUT, OPTIONS')
})

test('@fastify/cors registered before the plugin is recognised', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(cors, { origin: '*' })
  await app.register(fastifyAllowedMethods)
  app.get('/items', async () => 'list')
  await app.ready()
  const unknown = await app.inject({ method: 'DELETE', url: '/nothing' })
  t.equal(unknown.statusCode, 404, 'cors\' OPTIONS * does not make unknown URLs exist')
  const wrong = await app.inject({ method: 'DELETE', url: '/items' })
  t.equal(wrong.statusCode, 405)
  t.equal(wrong.headers.allow, 'GET, HEAD, OPTIONS')
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/items',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' }
  })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.headers['access-control-allow-origin'], '*')
})

test('@fastify/static registered before the plugin is recognised', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fam-static-'))
  writeFileSync(join(root, 'hello.txt'), 'hello')
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyStatic, { root })
  await app.register(fastifyAllowedMethods)
  app.get('/items', async () => 'list')
  await app.ready()
  t.equal((await app.inject({ method: 'GET', url: '/hello.txt' })).body, 'hello')
  t.equal((await app.inject({ method: 'POST', url: '/unknown' })).statusCode, 404, 'static\'s /* does not make unknown URLs exist')
  const wrong = await app.inject({ method: 'POST', url: '/items' })
  t.equal(wrong.statusCode, 405)
  t.equal(wrong.headers.allow, 'GET, HEAD, OPTIONS')
})

test('the app can still set its own root notFound handler after the plugin', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.setNotFoundHandler((request, reply) => { reply.code(404).send({ mine: true, url: request.url }) })
  app.get('/items', async () => 'list')
  await app.ready()
  const missing = await app.inject({ method: 'GET', url: '/missing' })
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { mine: true, url: '/missing' })
  t.equal((await app.inject({ method: 'PUT', url: '/items' })).statusCode, 405)
})
