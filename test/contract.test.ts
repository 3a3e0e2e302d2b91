import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { join, relative } from 'node:path'
import { Writable } from 'node:stream'
import YAML from 'yaml'
import fastifyAllowedMethods from '../lib/index'
import type { FastifyAllowedMethodsOptions } from '../lib/index'
import { documentShape, routeShape } from '../lib/openapi/contract'

const ok = { 200: { description: 'ok' } }

/** The document of the routes below, as a user would write it (no HEAD, no OPTIONS). */
const document = {
  openapi: '3.0.3',
  info: { title: 'Shop', version: '1' },
  paths: {
    '/items': { get: { responses: ok }, post: { responses: ok } },
    '/items/{itemId}': { get: { responses: ok }, delete: { responses: ok } }
  }
}

interface Warning { msg: string, method?: string, path?: string, contract?: string }

async function build (t: Test, options: FastifyAllowedMethodsOptions, routes: (app: FastifyInstance) => void): Promise<{ app: FastifyInstance, warnings: Warning[] }> {
  const warnings: Warning[] = []
  const stream = new Writable({
    write (chunk, _encoding, callback) {
      warnings.push(JSON.parse(String(chunk)) as Warning)
      callback()
    }
  })
  const app = Fastify({ logger: { level: 'warn', stream } })
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods, options)
  routes(app)
  return { app, warnings }
}

function shop (app: FastifyInstance): void {
  app.get('/items', async () => [])
  app.post('/items', async () => ({}))
  app.get('/items/:id', async () => ({}))
  app.delete('/items/:id', async () => ({}))
}

function drifted (app: FastifyInstance): void {
  app.get('/items', async () => [])
  app.post('/items', async () => ({}))
  app.get('/items/:id', async () => ({}))
  app.patch('/items/:id', async () => ({})) // served, not documented
  app.get('/orders', async () => []) // a whole path the document lacks
}
const driftedDocument = {
  ...document,
  paths: { ...document.paths, '/carts': { put: { responses: ok } } } // documented, never served
}
const DIFFERENCES = [
  'PUT /carts is in the document, but no route serves it',
  'DELETE /items/{itemId} is in the document, but no route serves it',
  'PATCH /items/:id is served, but the document does not have it',
  'GET /orders is served, but the document does not have it'
]

test('routes that match the document: ready() resolves, nothing is logged (HEAD from GET and automatic OPTIONS are fine)', async (t) => {
  const { app, warnings } = await build(t, { contract: { document } }, shop)
  await app.ready()
  t.same(warnings, [])
  const strict = await build(t, { contract: { document, strict: true } }, shop)
  await strict.app.ready()
})

test('by default each difference is a warning naming the path and method; ready() resolves', async (t) => {
  const { app, warnings } = await build(t, { contract: { document: driftedDocument } }, drifted)
  await app.ready()
  t.same(warnings.map(w => w.msg), DIFFERENCES.map(d => `fastify-allowed-methods: ${d}`))
  t.match(warnings[0], { level: 40, method: 'PUT', path: '/carts', contract: 'documented-not-served' })
  t.match(warnings[2], { method: 'PATCH', path: '/items/:id', contract: 'served-not-documented' })
})

test('strict: ready() rejects with FST_ALLOWED_METHODS_CONTRACT_MISMATCH listing every difference', async (t) => {
  const { app, warnings } = await build(t, { contract: { document: driftedDocument, strict: true } }, drifted)
  await t.rejects(async () => app.ready(), {
    code: 'FST_ALLOWED_METHODS_CONTRACT_MISMATCH',
    statusCode: 500,
    message: 'fastify-allowed-methods: the routes do not match the OpenAPI contract:\n' +
      DIFFERENCES.map(d => `  - ${d}`).join('\n') +
      '\nUpdate the document or the routes (without `strict: true` these are warnings).'
  })
  t.same(warnings, [])
})

test('the document as a JSON or a YAML file, by absolute or relative path', async (t) => {
  const dir = t.testdir({
    'api.json': JSON.stringify(driftedDocument),
    'api.yaml': YAML.stringify(driftedDocument)
  })
  for (const file of [join(dir, 'api.json'), join(dir, 'api.yaml'), relative(process.cwd(), join(dir, 'api.yaml'))]) {
    const { app } = await build(t, { contract: { document: file, strict: true } }, drifted)
    await t.rejects(async () => app.ready(), { code: 'FST_ALLOWED_METHODS_CONTRACT_MISMATCH', message: /PUT \/carts is in the document/ }, file)
    const clean = await build(t, { contract: { document: file } }, (a) => { drifted(a); a.put('/carts', async () => ({})); a.delete('/items/:id', async () => ({})) })
    t.same(clean.warnings.length, 0)
  }
  const warnings = await build(t, { contract: { document: join(dir, 'api.yaml') } }, drifted)
  await warnings.app.ready()
  t.equal(warnings.warnings.length, 4)
})

test('a document that cannot be used: FST_ALLOWED_METHODS_CONTRACT_INVALID, strict or not', async (t) => {
  const dir = t.testdir({ 'broken.json': '{ "openapi": ', 'other.yaml': 'just: yaml\n' })
  const cases: Array<[string | Record<string, unknown>, string]> = [
    [join(dir, 'missing.yaml'), `in file ${join(dir, 'missing.yaml')} could not be read (ENOENT)`],
    [join(dir, 'broken.json'), `in file ${join(dir, 'broken.json')} is neither valid JSON nor valid YAML: `],
    [join(dir, 'other.yaml'), `in file ${join(dir, 'other.yaml')} is not an OpenAPI 3.0/3.1/3.2 or Swagger 2.0 document`],
    [{ swagger: '2.0', paths: { '/a': { get: 'x' } } }, 'given as an object has a GET operation on /a that is not an object']
  ]
  for (const [doc, reason] of cases) {
    for (const strict of [false, true]) {
      const { app } = await build(t, { contract: { document: doc, strict } }, shop)
      await t.rejects(async () => app.ready(), { code: 'FST_ALLOWED_METHODS_CONTRACT_INVALID', message: `fastify-allowed-methods: the contract document ${reason}` })
    }
  }
  const { app } = await build(t, { contract: { document: join(dir, 'missing.yaml') } }, shop)
  await t.rejects(async () => app.ready(), { message: /; pass an OpenAPI 3\.x or Swagger 2\.0 document object, or the path of a JSON or YAML file holding one$/ })
})

test('HEAD and OPTIONS: implied by GET and automatic OPTIONS; documented ones must be served', async (t) => {
  const withHeadAndOptions = { openapi: '3.1.0', paths: { '/items': { get: { responses: ok }, head: { responses: ok }, options: { responses: ok } } } }
  const served = await build(t, { contract: { document: withHeadAndOptions } }, (app) => { app.get('/items', async () => []) })
  await served.app.ready()
  t.same(served.warnings, [])
  // no automatic OPTIONS, no automatic HEAD: both documented methods are missing
  const off = await build(t, { autoOptions: false, contract: { document: withHeadAndOptions } }, (app) => { app.get('/items', { exposeHeadRoute: false }, async () => []) })
  await off.app.ready()
  t.same(off.warnings.map(w => w.msg), [
    'fastify-allowed-methods: HEAD /items is in the document, but no route serves it',
    'fastify-allowed-methods: OPTIONS /items is in the document, but no route serves it'
  ])
  // a documented OPTIONS on a path no route has is missing even with automatic OPTIONS
  const nowhere = await build(t, { contract: { document: { openapi: '3.1.0', paths: { '/gone': { options: { responses: ok } } } } } }, () => {})
  await nowhere.app.ready()
  t.same(nowhere.warnings.map(w => w.msg), ['fastify-allowed-methods: OPTIONS /gone is in the document, but no route serves it'])
  // a HEAD route without GET is a method like any other; the app's own OPTIONS route is never reported
  const own = await build(t, { contract: { document: { openapi: '3.1.0', paths: {} } } }, (app) => {
    app.head('/ping', async () => '')
    app.options('/ping', async () => '')
  })
  await own.app.ready()
  t.same(own.warnings.map(w => w.msg), ['fastify-allowed-methods: HEAD /ping is served, but the document does not have it'])
})

test('hidden routes are left out; prefixes, regexp params, wildcards, optional params and servers are matched by shape', async (t) => {
  const doc = {
    openapi: '3.0.3',
    servers: [{ url: 'https://shop.example.com/api' }],
    paths: {
      '/': { get: { responses: ok } },
      '/files/{path}': { get: { responses: ok } },
      '/orders/{id}': { get: { responses: ok } },
      '/range/{from}-{to}': { get: { responses: ok } },
      '/docs': { get: { responses: ok } },
      '/docs/{page}': { get: { responses: ok } },
      '/rpc:call': { post: { responses: ok } }
    }
  }
  const { app, warnings } = await build(t, { contract: { document: doc, strict: true } }, (app) => {
    app.register(async (api) => {
      api.get('/', async () => 'home')
      api.get('/files/*', async () => 'file')
      api.get('/orders/:id(^\\d+)', async () => ({}))
      api.get('/range/:from-:to', async () => ({}))
      api.get('/docs/:page?', async () => ({}))
      api.post('/rpc::call', async () => ({}))
      api.get('/internal', { schema: { hide: true } } as never, async () => ({}))
      api.delete('/orders/:id', { config: { allow: { hide: true } } }, async () => ({}))
    }, { prefix: '/api' })
  })
  await app.ready()
  t.same(warnings, [])
})

test('a document that describes hidden routes: they are served (they exist), never demanded', async (t) => {
  const doc = {
    openapi: '3.1.0',
    paths: {
      '/items/{id}': { get: { responses: ok }, delete: { responses: ok } }, // DELETE: hide: true beside a visible GET
      '/secret': { get: { responses: ok }, head: { responses: ok } }, // every route hidden, fastify's HEAD too
      '/internal': { get: { responses: ok }, options: { responses: ok } }, // schema.hide: not hidden from Allow
      '/admin': { options: { responses: ok } } // a URL of hidden routes only: its OPTIONS is a 404
    }
  }
  const routes = (app: FastifyInstance): void => {
    app.get('/items/:id', async () => ({}))
    app.delete('/items/:id', { config: { allow: { hide: true } } }, async () => ({}))
    app.get('/secret', { config: { allow: { hide: true } } }, async () => ({}))
    app.get('/internal', { schema: { hide: true } } as never, async () => ({}))
    app.post('/admin', { config: { allow: { hide: true } } }, async () => ({}))
  }
  const { app, warnings } = await build(t, { contract: { document: doc } }, routes)
  await app.ready()
  t.same(warnings.map(w => w.msg), ['fastify-allowed-methods: OPTIONS /admin is in the document, but no route serves it'])
  const off = await build(t, { autoOptions: false, contract: { document: doc } }, routes)
  await off.app.ready()
  t.same(off.warnings.map(w => w.msg), [
    'fastify-allowed-methods: OPTIONS /admin is in the document, but no route serves it',
    'fastify-allowed-methods: OPTIONS /internal is in the document, but no route serves it'
  ])
})

test('an optional parameter at the root serves both / and /{param}', async (t) => {
  const doc = { openapi: '3.1.0', paths: { '/': { get: { responses: ok } }, '/{lang}': { get: { responses: ok } } } }
  const { app } = await build(t, { contract: { document: doc, strict: true } }, (a) => { a.get('/:lang?', async () => 'hi') })
  await app.ready()
})

test('route and document shapes', async (t) => {
  t.equal(routeShape('/items/:id'), '/items/{}')
  t.equal(routeShape('/items/:id(^\\d+)/x'), '/items/{}/x')
  t.equal(routeShape('/a/:id((a|b)\\))c)'), '/a/{}c)', 'nested and escaped parentheses')
  t.equal(routeShape('/f/:name.:ext'), '/f/{}.{}')
  t.equal(routeShape('/v/:a-:b'), '/v/{}-{}')
  t.equal(routeShape('/x::y'), '/x:y')
  t.equal(routeShape('/opt/:id?'), '/opt/{}')
  t.equal(routeShape('/s/*'), '/s/{}')
  t.equal(routeShape('/bad/:id(unclosed'), '/bad/{}')
  t.equal(documentShape('/items/{itemId}/{*}'), '/items/{}/{}')
})
