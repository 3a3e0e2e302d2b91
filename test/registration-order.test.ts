import { test } from 'tap'
import Fastify from 'fastify'
import cors from '@fastify/cors'
import fastifyStatic from '@fastify/static'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fastifyAllowedMethods from '../lib/index'
import { appWithLog } from './helpers/log'

test('routes added before the plugin are handled: Allow, 405, OPTIONS, OPTIONS *, methodTable(), one warning naming them', async (t) => {
  const { app, lines } = appWithLog()
  t.teardown(() => app.close())
  app.get('/early', async () => 'x')
  app.register(async (child) => {
    child.post('/things', async () => 'x')
    child.delete('/things/:id', { constraints: { version: '1.0.0' } }, async () => 'x')
  }, { prefix: '/api' })
  await app.register(fastifyAllowedMethods)
  app.put('/late', async () => 'x')
  await app.ready()
  const early = await app.inject({ method: 'DELETE', url: '/early' })
  t.equal(early.statusCode, 405)
  t.equal(early.headers.allow, 'GET, HEAD, OPTIONS')
  t.equal((await app.inject({ method: 'GET', url: '/api/things' })).headers.allow, 'POST, OPTIONS')
  const versioned = await app.inject({ method: 'GET', url: '/api/things/1', headers: { 'accept-version': '1.0.0' } })
  t.equal(versioned.headers.allow, 'DELETE, OPTIONS', 'constraints of prior routes are derived')
  t.equal((await app.inject({ method: 'GET', url: '/api/things/1' })).statusCode, 404, 'without the version, no route')
  t.equal((await app.inject({ method: 'OPTIONS', url: '/early' })).statusCode, 204)
  t.same(app.methodTable(), {
    '/early': ['GET', 'HEAD'],
    '/api/things': ['POST'],
    '/api/things/:id': ['DELETE'],
    '/late': ['PUT']
  })
  t.same(app.allowedMethods('/late'), ['PUT', 'OPTIONS'])
  const warnings = lines.filter(l => l.level === 40)
  t.equal(warnings.length, 1, 'one warning')
  t.match(warnings[0]?.msg, /3 route path\(s\) were added before the plugin was registered: GET, HEAD \/early; DELETE \/api\/things\/:id; POST \/api\/things\. .*config\.allow cannot be read/)
})

test('a register() that is not awaited runs after synchronous routes: they are handled all the same', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(fastifyAllowedMethods)
  app.get('/a', async () => 'a')
  await app.ready()
  const res = await app.inject({ method: 'POST', url: '/a' })
  t.equal(res.statusCode, 405)
  t.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
})

test('no route before the plugin: no warning', async (t) => {
  const { app, lines } = appWithLog()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.get('/a', async () => 'a')
  await app.ready()
  t.same(lines, [])
})

test('more than 20 prior route paths: the warning names 20 and counts the rest', async (t) => {
  const { app, lines } = appWithLog()
  t.teardown(() => app.close())
  for (let i = 0; i < 25; i++) app.post(`/r${i}`, async () => 'x')
  await app.register(fastifyAllowedMethods)
  await app.ready()
  t.match(lines[0]?.msg, /25 route path\(s\).* and 5 more\./)
  t.equal((await app.inject({ method: 'GET', url: '/r24' })).headers.allow, 'POST, OPTIONS')
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
