import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance, RouteOptions } from 'fastify'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import fastifyAllowedMethods from '../lib/index'
import type { FastifyAllowedMethodsOptions } from '../lib/index'
import { AllowResolver } from '../lib/allow'
import { acceptedMediaTypes, parsersOf, schemaBodyTypes } from '../lib/media-types'
import { MethodTable } from '../lib/method-table'
import type { SeenRoute } from '../lib/method-table'
import { resolveOptions } from '../lib/options'
import { OptionsExtras } from '../lib/options-extras'
import { listen, send } from './helpers/http'

/**
 * Issue 12, item 2: automatic OPTIONS answers say what the routes justify besides Allow:
 * `Accept-Patch` (RFC 5789 section 3.1) where the resource has a PATCH route, `Accept-Post` (W3C
 * LDP) where it has a POST route, each listing the media types that route accepts (its schema's
 * body content types, else the parsers of its context), and `Link: <doc>; rel="service-desc"`
 * (RFC 8631) when the OpenAPI document's URL is known. Each can be turned off; the OpenAPI export
 * documents them on its `options` operations.
 */

type Extras = { allow?: string, acceptPatch?: string, acceptPost?: string, link?: string }

async function options (app: FastifyInstance, url: string, headers: Record<string, string> = {}): Promise<Extras & { status: number }> {
  const res = await app.inject({ method: 'OPTIONS', url, headers })
  const h = res.headers
  const out: Extras & { status: number } = { status: res.statusCode }
  if (h.allow !== undefined) out.allow = String(h.allow)
  if (h['accept-patch'] !== undefined) out.acceptPatch = String(h['accept-patch'])
  if (h['accept-post'] !== undefined) out.acceptPost = String(h['accept-post'])
  if (h.link !== undefined) out.link = String(h.link)
  return out
}

async function api (t: Test, opts: FastifyAllowedMethodsOptions = {}, before?: (app: FastifyInstance) => Promise<void>): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  if (before !== undefined) await before(app)
  await app.register(fastifyAllowedMethods, opts)
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, (_request, body, done) => { done(null, JSON.parse(body as string)) })
  app.get('/items', async () => [])
  app.post('/items', async () => 'created')
  app.get('/items/:id', async () => 'item')
  app.patch('/items/:id', {
    schema: {
      body: {
        content: {
          'application/merge-patch+json': { schema: { type: 'object' } },
          'application/json-patch+json': { schema: { type: 'array' } }
        }
      }
    }
  }, async () => 'patched')
  app.get('/notes/:id', async () => 'note')
  // a route whose schema names its media types the swagger way
  app.post('/uploads', { schema: { consumes: ['multipart/form-data'] } as Record<string, unknown> }, async () => 'uploaded')
  // an encapsulated context with a parser of its own: its routes accept it, the others do not
  await app.register(async (csv) => {
    csv.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => { done(null, body) })
    csv.patch('/reports/:id', async () => 'patched')
  })
  app.get('/reports/:id', async () => 'report')
  return app
}

test('Accept-Patch and Accept-Post: from the route\'s schema, else from the parsers of its context', async (t) => {
  const app = await api(t)
  t.same(await options(app, '/items/1'), {
    status: 204,
    allow: 'GET, HEAD, OPTIONS, PATCH',
    acceptPatch: 'application/merge-patch+json, application/json-patch+json'
  }, 'schema.body.content of the PATCH route')
  t.same(await options(app, '/items'), {
    status: 204,
    allow: 'GET, HEAD, POST, OPTIONS',
    acceptPost: 'application/merge-patch+json, application/json, text/plain'
  }, 'no body schema: the root context\'s parsers, the app\'s own first')
  t.same(await options(app, '/uploads'), { status: 204, allow: 'POST, OPTIONS', acceptPost: 'multipart/form-data' }, 'schema.consumes')
  t.same(await options(app, '/reports/1'), {
    status: 204,
    allow: 'GET, HEAD, OPTIONS, PATCH',
    acceptPatch: 'text/csv, application/merge-patch+json, application/json, text/plain'
  }, 'a parser of the encapsulated context of the PATCH route')
  t.same(await options(app, '/notes/1'), { status: 204, allow: 'GET, HEAD, OPTIONS' }, 'no PATCH or POST route: neither header')
  const wrong = await app.inject({ method: 'DELETE', url: '/items/1' })
  t.equal(wrong.statusCode, 405)
  t.equal(wrong.headers['accept-patch'], undefined, 'a 405 carries only Allow')
})

test('each header can be turned off', async (t) => {
  const app = await api(t, { acceptPatch: false, acceptPost: false })
  t.same(await options(app, '/items/1'), { status: 204, allow: 'GET, HEAD, OPTIONS, PATCH' })
  t.same(await options(app, '/items'), { status: 204, allow: 'GET, HEAD, POST, OPTIONS' })
})

test('a host-constrained PATCH route: Accept-Patch only for its host', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.get('/items/:id', async () => 'item')
  app.patch('/items/:id', { constraints: { host: 'admin.example.test' }, schema: { body: { content: { 'application/merge-patch+json': { schema: { type: 'object' } } } } } }, async () => 'patched')
  t.same(await options(app, '/items/1', { host: 'admin.example.test' }), { status: 204, allow: 'GET, HEAD, OPTIONS, PATCH', acceptPatch: 'application/merge-patch+json' })
  t.same(await options(app, '/items/1', { host: 'www.example.test' }), { status: 204, allow: 'GET, HEAD, OPTIONS' })
})

test('a PATCH route registered before the plugin (read from the route tree): the root\'s parsers', async (t) => {
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  app.addContentTypeParser('*', (_request, payload, done) => { done(null, payload) })
  app.patch('/early/:id', async () => 'patched')
  await app.register(fastifyAllowedMethods)
  t.same(await options(app, '/early/1'), { status: 204, allow: 'OPTIONS, PATCH', acceptPatch: 'application/json, text/plain, */*' }, 'a catch-all parser is */*')
})

test('Link rel="service-desc": @fastify/swagger-ui\'s document route, in both registration orders, or the URL given', async (t) => {
  const withUi = async (app: FastifyInstance): Promise<void> => {
    await app.register(fastifySwagger, { openapi: { info: { title: 'api', version: '1' } } })
    await app.register(fastifySwaggerUi, { routePrefix: '/docs' })
  }
  for (const order of ['swagger-ui first', 'plugin first']) {
    const app = Fastify()
    t.teardown(() => app.close())
    if (order === 'swagger-ui first') await withUi(app)
    await app.register(fastifyAllowedMethods)
    if (order === 'plugin first') await withUi(app)
    app.get('/notes/:id', async () => 'note')
    const res = await options(app, '/notes/1')
    t.equal(res.link, '</docs/json>; rel="service-desc"', order)
    const doc = await app.inject({ method: 'GET', url: '/docs/json' })
    t.equal(doc.statusCode, 200, `${order}: the linked document is served`)
  }
  const given = await api(t, { serviceDesc: 'https://api.example.test/openapi.json' })
  t.equal((await options(given, '/notes/1')).link, '<https://api.example.test/openapi.json>; rel="service-desc"')
  const off = await api(t, { serviceDesc: false }, withUi)
  t.equal((await options(off, '/notes/1')).link, undefined, 'serviceDesc: false')
  const none = await api(t)
  t.equal((await options(none, '/notes/1')).link, undefined, 'no document URL known: no Link')
})

test('OPTIONS * carries Link, not Accept-* (real TCP)', async (t) => {
  const app = await api(t, { serviceDesc: '/openapi.json' })
  const base = await listen(app)
  const res = await send(base, 'OPTIONS', '*')
  t.equal(res.status, 204)
  t.equal(res.headers.link, '</openapi.json>; rel="service-desc"')
  t.equal(res.headers['accept-patch'], undefined)
  t.equal(res.headers['accept-post'], undefined)
})

test('bad options fail at registration with a message saying what is accepted', async (t) => {
  for (const [opts, message] of [
    [{ acceptPatch: 'yes' }, /option "acceptPatch" must be a boolean/],
    [{ acceptPost: 1 }, /option "acceptPost" must be a boolean/],
    [{ serviceDesc: 1 }, /option "serviceDesc" must be true, false, or the URL of the OpenAPI document/],
    [{ serviceDesc: '/open api.json' }, /option "serviceDesc" must be true, false, or the URL of the OpenAPI document \(a URI reference without spaces/]
  ] as Array<[Record<string, unknown>, RegExp]>) {
    const app = Fastify()
    await t.rejects(async () => { await app.register(fastifyAllowedMethods, opts as FastifyAllowedMethodsOptions).ready() }, { code: 'FST_ALLOWED_METHODS_INVALID_OPTION', message }, JSON.stringify(opts))
  }
})

test('the OpenAPI export documents the headers on its options operations', async (t) => {
  for (const spec of ['openapi', 'swagger'] as const) {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(fastifySwagger, spec === 'openapi' ? { openapi: { info: { title: 'api', version: '1' } } } : { swagger: { info: { title: 'api', version: '1' } } })
    await app.register(fastifyAllowedMethods, { serviceDesc: '/openapi.json' })
    app.get('/items/:id', async () => 'item')
    app.patch('/items/:id', { schema: { body: { content: { 'application/merge-patch+json': { schema: { type: 'object' } } } } } }, async () => 'patched')
    app.get('/notes', async () => [])
    await app.ready()
    const doc = app.swagger() as unknown as { paths: Record<string, Record<string, { responses: Record<string, { headers: Record<string, Record<string, unknown>> }> }>> }
    const headers = doc.paths['/items/{id}'].options.responses['204'].headers
    t.same(Object.keys(headers), ['Allow', 'Accept-Patch', 'Link'], `${spec}: the headers of /items/{id}`)
    const value = (h: Record<string, unknown>): unknown => spec === 'openapi' ? (h.schema as { enum: unknown[] }).enum : h.enum
    t.same(value(headers['Accept-Patch']), ['application/merge-patch+json'])
    t.same(value(headers.Link), ['</openapi.json>; rel="service-desc"'])
    t.match(headers['Accept-Patch'].description, /RFC 5789/)
    t.same(Object.keys(doc.paths['/notes'].options.responses['204'].headers), ['Allow', 'Link'], `${spec}: /notes has no PATCH or POST`)
  }
})

test('media types: the edges', async (t) => {
  t.same(acceptedMediaTypes(null, null), [], 'no schema, no parsers known')
  t.equal(parsersOf({}), null, 'an object that is not a fastify instance')
  t.same(parsersOf(Fastify())?.parserList, ['application/json', 'text/plain'])
  const route = (schema: unknown): RouteOptions => ({ method: 'PATCH', url: '/x', handler: async () => 'x', schema } as unknown as RouteOptions)
  t.equal(schemaBodyTypes(route(undefined)), null)
  t.equal(schemaBodyTypes(route({ body: { content: {} } })), null, 'an empty content map')
  t.equal(schemaBodyTypes(route({ body: { content: ['application/json'] } })), null, 'content is not a map')
  t.equal(schemaBodyTypes(route({ consumes: [1, null] })), null, 'consumes without a string')
  t.same(schemaBodyTypes(route({ body: { content: {} }, consumes: ['application/xml'] })), ['application/xml'])
  // a route whose media types cannot be known (no schema, parsers unreadable): no Accept-Patch
  const unknown = { url: '/x', methods: ['PATCH'], bodyTypes: null, parsers: null } as unknown as SeenRoute
  const resolver = { routeOf: () => unknown, derive: () => undefined } as unknown as AllowResolver
  const extras = new OptionsExtras(resolveOptions({}), resolver)
  extras.prepare([], null)
  t.same(extras.headers('/x', ['OPTIONS', 'PATCH'], undefined), [])
  t.equal(extras.serviceDesc, null)
  // the route lookup of a method no route of the path has
  const real = Fastify()
  await real.register(fastifyAllowedMethods)
  real.get('/x', async () => 'x')
  await real.ready()
  const table = new MethodTable()
  table.add({ method: 'GET', url: '/x', handler: async () => 'x' } as unknown as RouteOptions)
  const own = new AllowResolver(real, table, true)
  t.equal(own.routeOf('/x', undefined, 'PATCH'), null)
  t.equal(own.routeOf('/x', undefined, 'GET')?.url, '/x')
  await real.close()
  // a PATCH in Allow whose route the pattern router cannot find (defensive): no Accept-Patch, no throw
  const lost = new OptionsExtras(resolveOptions({}), { routeOf: () => null } as unknown as AllowResolver)
  lost.prepare([], null)
  t.same(lost.headers('/x', ['OPTIONS', 'PATCH'], undefined), [])
})
