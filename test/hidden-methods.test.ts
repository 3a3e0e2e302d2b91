import { test } from 'tap'
import Fastify from 'fastify'
import fastifyAllowedMethods from '../lib/index'

test('config.allow.hide keeps a route out of Allow', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.get('/users/:id', async () => 'user')
  app.delete('/users/:id', { config: { allow: { hide: true } } }, async () => 'deleted')
  app.post('/admin', { config: { allow: { hide: true } } }, async () => 'admin')
  app.get('/files/*', { schema: { hide: true } as never, config: { allow: { hide: false } } }, async () => 'file')
  await app.ready()

  const put = await app.inject({ method: 'PUT', url: '/users/1' })
  t.equal(put.statusCode, 405)
  t.equal(put.headers.allow, 'GET, HEAD, OPTIONS', 'DELETE is hidden')
  t.same(put.json().allow, ['GET', 'HEAD', 'OPTIONS'])
  t.equal((await app.inject({ method: 'DELETE', url: '/users/1' })).body, 'deleted', 'the hidden route still serves')
  const admin = await app.inject({ method: 'GET', url: '/admin' })
  t.equal(admin.statusCode, 404, 'a URL served only by hidden routes answers other methods with 404')
  t.equal((await app.inject({ method: 'OPTIONS', url: '/admin' })).statusCode, 404)
  const files = await app.inject({ method: 'POST', url: '/files/a/b' })
  t.equal(files.statusCode, 405, 'allow.hide: false overrides the hidden-catch-all rule')
  t.equal(files.headers.allow, 'GET, HEAD, OPTIONS')
})

test('hidden routes under a prefix, with the prefix root route', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.register(async (child) => {
    child.get('/', async () => 'root')
    child.post('/', { config: { allow: { hide: true } } }, async () => 'hidden post')
  }, { prefix: '/api' })
  await app.ready()
  for (const url of ['/api', '/api/']) {
    const res = await app.inject({ method: 'PUT', url })
    t.equal(res.statusCode, 405, url)
    t.equal(res.headers.allow, 'GET, HEAD, OPTIONS', url)
  }
})

test('prefixTrailingSlash decides whether a hidden prefix root also hides `prefix/`', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.register(async (child) => {
    child.get('/', async () => 'both')
    child.post('/', { prefixTrailingSlash: 'both', config: { allow: { hide: true } } }, async () => 'hidden')
  }, { prefix: '/both' })
  app.register(async (child) => {
    child.get('/', { prefixTrailingSlash: 'no-slash' }, async () => 'no-slash')
    child.post('/', { prefixTrailingSlash: 'no-slash', config: { allow: { hide: true } } }, async () => 'hidden')
  }, { prefix: '/noslash' })
  await app.ready()
  for (const url of ['/both', '/both/']) {
    t.equal((await app.inject({ method: 'PUT', url })).headers.allow, 'GET, HEAD, OPTIONS', url)
  }
  t.equal((await app.inject({ method: 'PUT', url: '/noslash' })).headers.allow, 'GET, HEAD, OPTIONS')
  t.equal((await app.inject({ method: 'PUT', url: '/noslash/' })).statusCode, 404, 'no-slash: /noslash/ is not routed')
})
