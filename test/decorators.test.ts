import { test } from 'tap'
import Fastify from 'fastify'
import { METHODS } from 'node:http'
import fastifyAllowedMethods from '../lib/index'

test('fastify.allowedMethods(url) returns the Allow list for a concrete URL', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.get('/items', async () => 'list')
  app.post('/items', async () => 'created')
  app.get('/:foo', async () => 'foo')
  app.post('/foo', async () => 'pfoo')
  app.delete('/items/:id', async () => 'gone')
  app.get('/secret', { config: { allow: { hide: true } } }, async () => 'psst')
  await app.ready()

  t.same(app.allowedMethods('/items'), ['GET', 'HEAD', 'POST', 'OPTIONS'])
  t.same(app.allowedMethods('/items?page=2'), ['GET', 'HEAD', 'POST', 'OPTIONS'], 'query string ignored')
  t.same(app.allowedMethods('/foo'), ['GET', 'HEAD', 'POST', 'OPTIONS'], 'union of /:foo and /foo')
  t.same(app.allowedMethods('/bar'), ['GET', 'HEAD', 'OPTIONS'])
  t.same(app.allowedMethods('/items/7'), ['DELETE', 'OPTIONS'])
  t.same(app.allowedMethods('/nothing/here'), [], 'no route: empty array')
  t.same(app.allowedMethods('/items/%zz'), [], 'a URL fastify rejects: empty array')
  t.same(app.allowedMethods('/secret'), [], 'only hidden routes: empty array')
})

test('fastify.allowedMethods(url, headers) honours host and version constraints', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods, { autoOptions: false })
  app.get('/v', { constraints: { version: '1.0.0' } }, async () => 'v1')
  app.post('/v', async () => 'any')
  app.put('/h', { constraints: { host: 'api.example.com' } }, async () => 'h')
  app.get('/h', async () => 'any')
  await app.ready()

  t.same(app.allowedMethods('/v'), ['POST'], 'no accept-version: the versioned route does not match')
  // version is a mustMatchWhenDerived strategy: once derived, unconstrained routes no longer match
  t.same(app.allowedMethods('/v', { 'accept-version': '1.x' }), ['GET', 'HEAD'])
  const post = await app.inject({ method: 'POST', url: '/v', headers: { 'accept-version': '1.x' } })
  t.equal(post.statusCode, 405, 'fastify itself does not route POST /v with accept-version')
  t.equal(post.headers.allow, 'GET, HEAD')
  t.same(app.allowedMethods('/h'), ['GET', 'HEAD'])
  t.same(app.allowedMethods('/h', { host: 'api.example.com' }), ['GET', 'HEAD', 'PUT'])
  t.same(app.allowedMethods('/h', { host: 'other.example.com' }), ['GET', 'HEAD'])
})

test('fastify.allowedMethods honours custom constraint strategies', async (t) => {
  const tenant = {
    name: 'tenant',
    storage () {
      const map = new Map<string, unknown>()
      return { get: (k: string) => map.get(k) ?? null, set: (k: string, v: unknown) => { map.set(k, v) } }
    },
    deriveConstraint: (req: { headers: Record<string, string | undefined> }) => req.headers['x-tenant'],
    validate () {},
    mustMatchWhenDerived: false
  }
  const app = Fastify({ routerOptions: { constraints: { tenant } as never } })
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.delete('/t', { constraints: { tenant: 'acme' } }, async () => 'deleted')
  app.get('/t', async () => 't')
  await app.ready()
  t.same(app.allowedMethods('/t'), ['GET', 'HEAD', 'OPTIONS'])
  t.same(app.allowedMethods('/t', { 'x-tenant': 'acme' }), ['GET', 'HEAD', 'DELETE', 'OPTIONS'])
  const res = await app.inject({ method: 'PATCH', url: '/t', headers: { 'x-tenant': 'acme' } })
  t.equal(res.statusCode, 405)
  t.equal(res.headers.allow, 'GET, HEAD, DELETE, OPTIONS')
})

test('fastify.allowedMethods works before ready()', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.get('/early', async () => 'x')
  await app.after()
  t.same(app.allowedMethods('/early'), ['GET', 'HEAD', 'OPTIONS'])
})

test('fastify.methodTable() lists every visible route pattern with its methods', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.get('/items', async () => 'list')
  app.route({ method: ['POST', 'put'], url: '/items', handler: async () => 'x' })
  app.get('/items/:id', { exposeHeadRoute: false }, async () => 'one')
  app.all('/any', async () => 'any')
  app.get('/secret', { config: { allow: { hide: true } } }, async () => 'psst')
  app.register(async (child) => {
    child.get('/', async () => 'root of v1')
    child.patch('/things/:id', async () => 'patched')
  }, { prefix: '/v1' })
  await app.ready()

  const table = app.methodTable()
  t.same(table['/items'], ['GET', 'HEAD', 'POST', 'PUT'])
  t.same(table['/items/:id'], ['GET'], 'no automatic HEAD when exposeHeadRoute is false')
  t.same(table['/any'], ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY'])
  t.same(table['/v1'], ['GET', 'HEAD'])
  t.same(table['/v1/things/:id'], ['PATCH'])
  t.notOk('/secret' in table, 'hidden routes are left out')
})

test('an app with routes for every method Node knows (all()): Allow covers them all, in Allow order, and 405 elsewhere', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  for (const method of METHODS) {
    if (method !== 'CONNECT' && !app.supportedMethods.includes(method)) app.addHttpMethod(method, { hasBody: true })
  }
  t.ok(app.supportedMethods.length > 30, `${app.supportedMethods.length} methods`)
  await app.register(fastifyAllowedMethods)
  app.all('/any', async () => 'any')
  app.get('/only-get', async () => 'get')
  await app.ready()
  const all = app.allowedMethods('/any')
  t.equal(all.length, app.supportedMethods.length, 'every supported method')
  const canonical = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']
    .filter(m => app.supportedMethods.includes(m))
  t.same(all.slice(0, canonical.length), canonical, 'the RFC 9110 methods first, in its order, then PATCH and QUERY')
  const rest = all.slice(canonical.length)
  t.same(rest, [...rest].sort(), 'the other methods alphabetically')
  t.same(app.allowedMethods('/only-get'), ['GET', 'HEAD', 'OPTIONS'])
  // more than 30 methods have routes: the shared answers are keyed by name, not by bits
  for (let i = 0; i < 2; i++) {
    const res = await app.inject({ method: 'PATCH', url: '/only-get' })
    t.equal(res.statusCode, 405)
    t.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
  }
  const res = await app.inject({ method: 'OPTIONS', url: '/only-get' })
  t.equal(res.statusCode, 204)
  t.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
})
