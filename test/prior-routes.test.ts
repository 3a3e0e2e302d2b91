import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import fastifyAllowedMethods from '../lib/index'
import { parseRouteTree, readPriorRoutes } from '../lib/prior-routes'
import type { PriorRoute } from '../lib/prior-routes'
import { listen, send } from './helpers/http'
import { RawConnection, rawRequest } from './helpers/raw-http'

/**
 * Routes registered before the plugin are read back from fastify's own listing,
 * `printRoutes({ method })` (lib/prior-routes.ts). First the parser against the real output of
 * fastify's printer, then the whole plugin over TCP with such routes.
 */

const h = async (): Promise<string> => 'x'

/** `printRoutes({ method })` of `app` once ready, parsed. */
async function parsed (app: FastifyInstance, method: string): Promise<ReturnType<typeof parseRouteTree>> {
  await app.ready()
  return parseRouteTree(app.printRoutes({ method }))
}

function urls (routes: Array<{ url: string }>): string[] {
  return routes.map(r => r.url)
}

/** The prior routes of `method`, as `[url, constraints]`. */
function priorOf (prior: PriorRoute[], method: string): Array<[string, Record<string, unknown> | undefined, boolean]> {
  return prior.filter(r => r.method === method).map(r => [r.url, r.constraints, r.catchAll])
}

test('parseRouteTree: static routes and their common prefixes', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  for (const url of ['/', '/items', '/items/all', '/itemsets', '/users/me', '/a-b.c']) app.get(url, h)
  const routes = await parsed(app, 'GET')
  t.same(urls(routes).sort(), ['/', '/a-b.c', '/items', '/items/all', '/itemsets', '/users/me'])
  t.ok(routes.every(r => r.constraints === undefined), 'no constraints')
  t.same(urls(await parsed(app, 'HEAD')).sort(), urls(routes).sort(), 'HEAD routes of every GET')
  t.same(await parsed(app, 'POST'), [], 'a method without routes: empty tree')
})

test('parseRouteTree: params, regex params, a node shared by two param names', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/items/:id', h)
  app.get('/items/:name/y', h)
  app.get('/n/:id(^\\d+$)/x', h)
  app.get('/files/:file.:ext', h)
  app.get('/range/:from-:to', h)
  const routes = await parsed(app, 'GET')
  t.same(urls(routes).sort(), [
    '/files/:file.:ext',
    '/items/:id',
    // the printer shows the shared node as `:id|:name`: the first name is kept
    '/items/:id/y',
    '/n/:id(^\\d+$)/x',
    '/range/:from-:to'
  ])
})

test('parseRouteTree: several routes on one node, with version and host constraints (a RegExp host revived)', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/c', { constraints: { version: '1.0.0' } }, h)
  app.get('/c', { constraints: { host: /^api\..*$/ } }, h)
  app.get('/c', { constraints: { host: /^API\./i } }, h)
  app.get('/c', { constraints: { host: 'a.example.com', version: '2.0.0' } }, h)
  app.get('/c', h)
  app.get('/c/d', { constraints: { version: '3.0.0' } }, h)
  const routes = await parsed(app, 'GET')
  t.equal(routes.length, 6)
  const onC = routes.filter(r => r.url === '/c')
  t.equal(onC.length, 5, 'every route of the node, the further ones printed without a branch glyph')
  t.same(onC.find(r => r.constraints?.version === '1.0.0')?.constraints, { version: '1.0.0' })
  t.same(onC.find(r => r.constraints?.version === '2.0.0')?.constraints, { host: 'a.example.com', version: '2.0.0' })
  t.ok(onC.some(r => r.constraints === undefined), 'the unconstrained route')
  const regexHosts = onC.map(r => r.constraints?.host).filter((host): host is RegExp => host instanceof RegExp)
  t.equal(regexHosts.length, 2, 'both RegExp hosts revived as RegExp')
  t.same(regexHosts.map(r => [r.source, r.flags]).sort(), [['^API\\.', 'i'], ['^api\\..*$', '']])
  t.ok(regexHosts.some(r => r.test('api.example.com')) && regexHosts.some(r => r.test('Api.x')))
  t.same(routes.find(r => r.url === '/c/d')?.constraints, { version: '3.0.0' }, 'a child after the node\'s further routes keeps its depth')
})

test('parseRouteTree: wildcards at the root and under a prefix, a prefix root route', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('*', h)
  app.register(async (p) => {
    p.get('/', h)
    p.get('/*', h)
    p.post('/*', h)
  }, { prefix: '/pre' })
  const get = await parsed(app, 'GET')
  t.same(urls(get).sort(), ['*', '/pre', '/pre/', '/pre/*'], 'the prefix root is routed as /pre and /pre/ by fastify')
  t.same(urls(await parsed(app, 'POST')), ['/pre/*'], 'a tree whose root is `/`')
})

test('parseRouteTree: OPTIONS * alone, an empty app, an empty string', async (t) => {
  const star = Fastify()
  t.teardown(() => star.close())
  star.options('*', h)
  t.same(await parsed(star, 'OPTIONS'), [{ url: '*', constraints: undefined, sharedParam: false }], 'the `*` child of the empty root node')
  t.same(await parsed(star, 'GET'), [])

  const empty = Fastify()
  t.teardown(() => empty.close())
  await empty.ready()
  t.equal(empty.printRoutes(), '(empty tree)')
  t.same(parseRouteTree(empty.printRoutes()), [])
  t.same(parseRouteTree(empty.printRoutes({ method: 'GET' })), [])
  t.same(parseRouteTree(''), [])
})

test('readPriorRoutes: one entry per method, path and constraints; hidden catch-alls marked', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/', h)
  app.get('/items/:id', h)
  app.delete('/items/:id', { constraints: { version: '1.0.0' } }, h)
  app.get('/h', { constraints: { host: /^api\.example\.com$/ } }, h)
  app.get('/static/*', h) // GET (and HEAD) only under a prefix: a real route (its schema.hide cannot be read)
  app.route({ method: ['GET', 'POST'], url: '/proxy/*', handler: h }) // @fastify/http-proxy's shape
  app.options('*', h) // @fastify/cors' shape
  await app.ready()
  const prior = readPriorRoutes(app)
  t.same(priorOf(prior, 'GET').sort(), [
    ['/', undefined, false],
    ['/h', { host: /^api\.example\.com$/ }, false],
    ['/items/:id', undefined, false],
    ['/proxy/*', undefined, false],
    ['/static/*', undefined, false]
  ].sort())
  t.ok(prior.find(r => r.url === '/h')?.constraints?.host instanceof RegExp)
  t.same(priorOf(prior, 'HEAD').map(r => r[0]).sort(), ['/', '/h', '/items/:id', '/proxy/*', '/static/*'])
  t.equal(prior.find(r => r.method === 'HEAD' && r.url === '/static/*')?.catchAll, false, 'a wildcard under a prefix counts')
  t.same(priorOf(prior, 'POST'), [['/proxy/*', undefined, false]], 'a wildcard with POST stays visible')
  t.same(priorOf(prior, 'DELETE'), [['/items/:id', { version: '1.0.0' }, false]])
  t.same(priorOf(prior, 'OPTIONS'), [['*', undefined, true]], 'OPTIONS * is a hidden catch-all')
  t.same(priorOf(prior, 'PUT'), [])

  const empty = Fastify()
  t.teardown(() => empty.close())
  await empty.ready()
  t.same(readPriorRoutes(empty), [], 'an empty app')
})

test('readPriorRoutes: a root wildcard served for GET only is a catch-all, also beside cors\' OPTIONS *', async (t) => {
  const getOnly = Fastify()
  t.teardown(() => getOnly.close())
  getOnly.get('*', h)
  await getOnly.ready()
  t.ok(readPriorRoutes(getOnly).every(r => r.catchAll))

  const withOptions = Fastify()
  t.teardown(() => withOptions.close())
  withOptions.get('*', h)
  withOptions.options('*', h)
  await withOptions.ready()
  const prior = readPriorRoutes(withOptions)
  t.equal(prior.find(r => r.method === 'GET')?.catchAll, true, 'GET * beside OPTIONS * (static and cors, both before the plugin): both catch-alls')
  t.equal(prior.find(r => r.method === 'OPTIONS')?.catchAll, true)
})

/** Sends `method path` with `headers` and returns [status, Allow]. */
async function allowOf (base: string, method: string, path: string, headers: Record<string, string> = {}): Promise<[number, string | undefined]> {
  const res = await send(base, method, path, { headers })
  return [res.status, res.headers.allow as string | undefined]
}

test('over TCP: host-constrained routes (a RegExp host) registered before the plugin', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/h', { constraints: { host: /^api\.example\.com$/ } }, async () => 'api get')
  app.put('/h', { constraints: { host: 'admin.example.com' } }, async () => 'admin put')
  app.post('/h', async () => 'any post')
  await app.register(fastifyAllowedMethods)
  app.patch('/h', { constraints: { host: /^admin\./ } }, async () => 'admin patch')
  const base = await listen(app)

  const cases: Array<[string, string, string[]]> = [
    ['api.example.com', 'GET, HEAD, POST, OPTIONS', ['GET', 'HEAD', 'POST']],
    ['admin.example.com', 'POST, PUT, OPTIONS, PATCH', ['POST', 'PUT', 'PATCH']],
    ['other.example.com', 'POST, OPTIONS', ['POST']]
  ]
  for (const [host, allow, routed] of cases) {
    t.same(await allowOf(base, 'DELETE', '/h', { host }), [405, allow], `DELETE /h, Host: ${host}`)
    t.same(await allowOf(base, 'OPTIONS', '/h', { host }), [204, allow], `OPTIONS /h, Host: ${host}`)
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH']) {
      const res = await send(base, method, '/h', { headers: { host } })
      if (routed.includes(method)) t.equal(res.status, 200, `${method} /h, Host: ${host}: routes`)
      else t.equal(res.status, 405, `${method} /h, Host: ${host}: 405`)
    }
  }
  t.same(app.allowedMethods('/h', { host: 'api.example.com' }), ['GET', 'HEAD', 'POST', 'OPTIONS'])
  t.same(app.methodTable(), { '/h': ['GET', 'HEAD', 'POST', 'PUT', 'PATCH'] })
})

test('over TCP: version-constrained routes registered before the plugin', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/v', { constraints: { version: '1.0.0' } }, async () => 'v1')
  app.get('/v', { constraints: { version: '2.0.0' } }, async () => 'v2')
  app.delete('/v', { constraints: { version: '2.0.0' } }, async () => 'v2 deleted')
  app.post('/v', async () => 'unversioned post')
  await app.register(fastifyAllowedMethods)
  const base = await listen(app)

  t.same(await allowOf(base, 'PUT', '/v', { 'accept-version': '1.x' }), [405, 'GET, HEAD, OPTIONS'])
  t.same(await allowOf(base, 'PUT', '/v', { 'accept-version': '2.x' }), [405, 'GET, HEAD, DELETE, OPTIONS'])
  t.same(await allowOf(base, 'PUT', '/v'), [405, 'POST, OPTIONS'], 'no Accept-Version: only the unversioned route')
  t.same(await allowOf(base, 'OPTIONS', '/v', { 'accept-version': '2.0.0' }), [204, 'GET, HEAD, DELETE, OPTIONS'])
  t.equal((await send(base, 'GET', '/v', { headers: { 'accept-version': '1.x' } })).body, 'v1')
  t.equal((await send(base, 'DELETE', '/v', { headers: { 'accept-version': '2.x' } })).body, 'v2 deleted')
  t.equal((await send(base, 'POST', '/v', { headers: { 'accept-version': '1.x' } })).status, 405, 'version derived: the unversioned POST does not route, as the 405 says')
  t.equal((await send(base, 'GET', '/v', { headers: { 'accept-version': '3.x' } })).status, 404, 'no route for 3.x at all: the app\'s 404')
})

test('over TCP: a prior GET-only root wildcard is a hidden catch-all; a prior wildcard with POST is visible', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/*', async () => 'file')
  app.route({ method: ['GET', 'POST'], url: '/proxy/*', handler: async () => 'proxied' })
  await app.register(fastifyAllowedMethods)
  app.get('/files/readme', async () => 'readme')
  const base = await listen(app)

  t.equal((await send(base, 'GET', '/files/x')).body, 'file', 'the wildcard serves')
  t.same(await allowOf(base, 'POST', '/files/x'), [404, undefined], 'POST /files/x: the app\'s 404')
  t.same(await allowOf(base, 'POST', '/anything'), [404, undefined], 'the root wildcard does not make every URL exist')
  t.same(await allowOf(base, 'OPTIONS', '/files/x'), [404, undefined])
  t.same(await allowOf(base, 'PUT', '/files/readme'), [405, 'GET, HEAD, OPTIONS'], 'a visible route under it')
  t.same(await allowOf(base, 'PUT', '/proxy/a/b'), [405, 'GET, HEAD, POST, OPTIONS'], 'PUT /proxy/a/b')
  t.same(await allowOf(base, 'OPTIONS', '/proxy/a'), [204, 'GET, HEAD, POST, OPTIONS'])
  t.equal((await send(base, 'POST', '/proxy/a')).body, 'proxied')
  t.same(app.methodTable(), { '/proxy/*': ['GET', 'HEAD', 'POST'], '/files/readme': ['GET', 'HEAD'] })

  const conn = await RawConnection.open(Number(new URL(base).port))
  t.teardown(() => conn.close())
  conn.write(rawRequest('OPTIONS', '*'))
  const star = await conn.response()
  t.equal(star.status, 204)
  t.equal(star.headers.allow, 'GET, HEAD, POST, OPTIONS', 'OPTIONS *: the methods of prior and later routes')
})

test('over TCP: a prior route whose param node is shared with another name, beside a hidden route of the same path', async (t) => {
  // GET /a/:name (host h.example) comes first; fastify prints its node as `:id|:name` because of
  // /a/:id/x, so it is read back as /a/:id. A hidden unconstrained GET /a/:name follows the plugin.
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/a/:id/x', async () => 'x')
  app.get('/a/:name', { constraints: { host: 'h.example' } }, async (request) => `prior ${(request.params as { name: string }).name}`)
  await app.register(fastifyAllowedMethods)
  app.get('/a/:name', { config: { allow: { hide: true } } }, async () => 'hidden')
  app.put('/a/:name', async () => 'put')
  const base = await listen(app)

  t.equal((await send(base, 'GET', '/a/1', { headers: { host: 'h.example' } })).body, 'prior 1', 'GET /a/1 on h.example routes to the visible prior route')
  t.equal((await send(base, 'GET', '/a/1', { headers: { host: 'other' } })).body, 'hidden', 'elsewhere to the hidden one')
  t.same(await allowOf(base, 'DELETE', '/a/1', { host: 'other' }), [405, 'PUT, OPTIONS'], 'Host other: GET is hidden')
  t.same(await allowOf(base, 'DELETE', '/a/1', { host: 'h.example' }), [405, 'GET, HEAD, PUT, OPTIONS'], 'Host h.example: GET routes to a visible route')
  t.same(app.methodTable()['/a/:name'], ['GET', 'HEAD', 'PUT'], 'methodTable() names the prior route by its own param name')
})

/** Makes a prior-route app; `register` decides whether the plugin comes after the routes. */
async function twoOrders (t: Test, routes: (app: FastifyInstance) => void, check: (t: Test, app: FastifyInstance, base: string) => Promise<void>): Promise<void> {
  for (const order of ['routes first', 'plugin first'] as const) {
    await t.test(order, async (t) => {
      const app = Fastify()
      t.teardown(() => app.close())
      if (order === 'plugin first') await app.register(fastifyAllowedMethods)
      routes(app)
      if (order === 'routes first') await app.register(fastifyAllowedMethods)
      await check(t, app, await listen(app))
    })
  }
}

test('the same answers whichever comes first, the routes or the plugin', async (t) => {
  await twoOrders(t, (app) => {
    app.get('/items/:id', async () => 'item')
    app.delete('/items/:id', { constraints: { version: '1.0.0' } }, async () => 'deleted')
    app.get('/n/:id(^\\d+$)/x', async () => 'n')
    app.get('/h', { constraints: { host: /^api\./ } }, async () => 'h')
    app.register(async (p) => {
      p.post('/things', async () => 'created')
    }, { prefix: '/api' })
  }, async (t, app, base) => {
    t.same(await allowOf(base, 'PUT', '/items/1'), [405, 'GET, HEAD, OPTIONS'])
    t.same(await allowOf(base, 'PUT', '/items/1', { 'accept-version': '1.0.0' }), [405, 'DELETE, OPTIONS'])
    t.same(await allowOf(base, 'PUT', '/n/12/x'), [405, 'GET, HEAD, OPTIONS'])
    t.same(await allowOf(base, 'PUT', '/n/ab/x'), [404, undefined], 'the regex param does not match')
    t.same(await allowOf(base, 'PUT', '/h', { host: 'api.example.com' }), [405, 'GET, HEAD, OPTIONS'])
    t.same(await allowOf(base, 'PUT', '/h', { host: 'www.example.com' }), [404, undefined])
    t.same(await allowOf(base, 'GET', '/api/things'), [405, 'POST, OPTIONS'])
    t.same(app.methodTable(), {
      '/items/:id': ['GET', 'HEAD', 'DELETE'],
      '/n/:id(^\\d+$)/x': ['GET', 'HEAD'],
      '/h': ['GET', 'HEAD'],
      '/api/things': ['POST']
    })
  })
})
