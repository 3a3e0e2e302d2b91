import { test } from 'tap'
import Fastify from 'fastify'
import fastifyAllowedMethods from '../lib/index'
import { listen, send } from './helpers/http'

test('OPTIONS on a URL that exists: 204, Allow, no body', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.get('/items', async () => 'list')
  app.post('/items', async () => 'created')
  const base = await listen(app)
  const res = await send(base, 'OPTIONS', '/items?x=1')
  t.equal(res.status, 204)
  t.equal(res.headers.allow, 'GET, HEAD, POST, OPTIONS')
  t.equal(res.body, '')
  t.notOk(res.headers['content-type'])
})

test('the app\'s own OPTIONS route is untouched and listed in Allow', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.get('/custom', async () => 'x')
  app.options('/custom', async (_request, reply) => reply.code(200).header('allow', 'mine').send('custom options'))
  const res = await app.inject({ method: 'OPTIONS', url: '/custom' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers.allow, 'mine')
  t.equal(res.body, 'custom options')
  const wrong = await app.inject({ method: 'PUT', url: '/custom' })
  t.equal(wrong.headers.allow, 'GET, HEAD, OPTIONS')
})

test('OPTIONS on an unknown URL: the app\'s 404', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.get('/items', async () => 'list')
  const res = await app.inject({ method: 'OPTIONS', url: '/nothing' })
  t.equal(res.statusCode, 404)
  t.notOk(res.headers.allow)
})

test('OPTIONS * lists every method the server implements', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.get('/a', async () => 'a')
  app.patch('/b/:id', async () => 'b')
  app.delete('/hidden', { config: { allow: { hide: true } } }, async () => 'h')
  const base = await listen(app)
  const res = await send(base, 'OPTIONS', '*')
  t.equal(res.status, 204)
  t.equal(res.headers.allow, 'GET, HEAD, OPTIONS, PATCH', 'hidden methods are not advertised')
})

test('autoOptions: false makes OPTIONS just another method', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods, { autoOptions: false })
  app.get('/items', async () => 'list')
  app.get('/with-options', async () => 'x')
  app.options('/with-options', async () => 'mine')
  const base = await listen(app)
  const options = await send(base, 'OPTIONS', '/items')
  t.equal(options.status, 405)
  t.equal(options.headers.allow, 'GET, HEAD', 'OPTIONS is not listed')
  t.equal(JSON.parse(options.body).detail, 'The OPTIONS method is not allowed for /items. Allowed methods: GET, HEAD.')
  t.equal((await send(base, 'DELETE', '/items')).headers.allow, 'GET, HEAD')
  t.equal((await send(base, 'DELETE', '/with-options')).headers.allow, 'GET, HEAD, OPTIONS', 'a real OPTIONS route is a method like any other')
  const star = await send(base, 'OPTIONS', '*')
  t.equal(star.status, 404, 'OPTIONS * is left to the app')
})
