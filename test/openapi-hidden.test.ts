import { test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { parse } from 'yaml'
import fastifyAllowedMethods from '../lib/index'
import { audit } from '../lib/audit/index'
import type { CheckResult } from '../lib/audit/index'
import { FORMS, buildApp, documentedAllow, isOurs, listen, liveOptions, schemaErrors, send } from './helpers/openapi'
import type { Json } from './helpers/openapi'

// issue 9, item 3: a route with `config.allow.hide: true` is left out of the @fastify/swagger
// document too, in either registration order, for every document form swagger generates

async function ok (): Promise<string> {
  return 'ok'
}

const HIDE = { config: { allow: { hide: true } } }
/** Hidden from the callers without `x-admin` (a function: the route exists for some callers). */
const ADMINS_ONLY = { config: { allow: { hide: (request: FastifyRequest) => request.headers['x-admin'] === undefined } } } as never
const ORDERS = ['plugin first', 'swagger first'] as const
const OPERATION_FIELDS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace', 'query']

/** Hidden routes on paths of their own only. */
function ownPaths (app: FastifyInstance): void {
  app.get('/items', { schema: { tags: ['items'] } }, ok)
  app.get('/items/:id', ok)
  app.get('/secret', HIDE, ok)
  app.post('/secret', HIDE, ok)
  app.get('/admin/:id', { ...HIDE, schema: { tags: ['admin'] } }, ok)
  app.put('/admin/:id', HIDE, ok)
}

/** Hidden routes beside visible ones on the same path, and a route hidden by a function. */
function sharedPaths (app: FastifyInstance): void {
  ownPaths(app)
  app.post('/items', { ...HIDE, schema: { tags: ['hidden-tag'], summary: 'hidden create' } }, ok)
  app.delete('/items/:id', HIDE, ok)
  app.get('/reports/:id', ok)
  app.delete('/reports/:id', ADMINS_ONLY, ok)
}

/** The document's operations as `METHOD path` lines. */
function operations (doc: Json): string[] {
  const out: string[] = []
  for (const [key, item] of Object.entries<Json>(doc.paths)) {
    for (const field of OPERATION_FIELDS) if (item[field] !== undefined) out.push(`${field.toUpperCase()} ${key}`)
    for (const method of Object.keys(item.additionalOperations ?? {})) out.push(`${method} ${key}`)
  }
  return out.sort()
}

function failures (results: CheckResult[]): string[] {
  return results.filter(r => r.verdict === 'fail').map(r => `${r.method} ${r.path} ${r.check}`).sort()
}

for (const form of FORMS) {
  for (const order of ORDERS) {
    test(`${form.name}, ${order}: the operations of hidden routes are left out, the paths they share stay`, async (t) => {
      const app = await buildApp({ order, swagger: form.options, routes: sharedPaths })
      t.teardown(() => app.close())
      const doc = app.swagger() as Json
      t.same(operations(doc), [
        'DELETE /reports/{id}', // a function hide: hidden from some callers only, so documented
        'GET /items',
        'GET /items/{id}',
        'GET /reports/{id}',
        'OPTIONS /items',
        'OPTIONS /items/{id}',
        'OPTIONS /reports/{id}'
      ])
      t.equal(doc.paths['/secret'], undefined, 'a path whose every route is hidden goes entirely')
      t.equal(doc.paths['/admin/{id}'], undefined)
      const text = JSON.stringify(doc)
      for (const word of ['secret', 'admin', 'hidden create', 'hidden-tag']) t.notOk(text.includes(word), `nothing of the hidden routes: ${word}`)

      t.equal(documentedAllow(doc.paths['/items'].options), 'GET, HEAD, OPTIONS')
      t.equal(documentedAllow(doc.paths['/items/{id}'].options), 'GET, HEAD, OPTIONS')
      t.equal(documentedAllow(doc.paths['/reports/{id}'].options), 'GET, HEAD, DELETE, OPTIONS', 'a function hide counts as visible in the document')
      t.same(doc.paths['/items'].options.tags, ['items'], 'the options operation takes the tags of the visible operations only')
      for (const key of ['/items', '/items/{id}']) {
        t.ok(doc.paths[key].get.responses['405'], `${key}: the 405 reference stays on the visible operation`)
      }
      t.same(await schemaErrors(doc), [])

      t.same(parse(app.swagger({ yaml: true }) as unknown as string), doc, 'the YAML form says the same')
      t.equal(app.swagger(), doc, 'built once')

      // what the document promises is what an anonymous client gets
      const base = await listen(app)
      for (const [key, url] of [['/items', '/items'], ['/items/{id}', '/items/7']]) {
        const live = await liveOptions(base, url)
        t.equal(live.allow, documentedAllow(doc.paths[key].options), `OPTIONS ${url}`)
      }
      t.equal((await send(base, 'DELETE', '/items/7')).status, 200, 'the hidden route still serves its requests')
      t.equal((await send(base, 'PATCH', '/secret')).status, 404, 'a hidden-only URL is still a 404')
    })
  }
}

test('swagger-ui\'s /json and /yaml routes show the same document, without the hidden routes', async (t) => {
  const app = await buildApp({
    routes: async (a) => {
      sharedPaths(a)
      await a.register(swaggerUi, { routePrefix: '/documentation' })
    }
  })
  t.teardown(() => app.close())
  const doc = app.swagger() as Json
  const base = await listen(app)
  const json = JSON.parse((await send(base, 'GET', '/documentation/json')).body)
  t.same(json, doc)
  t.same(parse((await send(base, 'GET', '/documentation/yaml')).body), doc)
  t.same(Object.keys(json.paths).sort(), ['/items', '/items/{id}', '/reports/{id}'])
})

for (const form of FORMS) {
  for (const order of ORDERS) {
    test(`${form.name}, ${order}: audit({ app }) of an app with hidden routes on paths of their own is clean`, async (t) => {
      const app = await buildApp({ order, swagger: form.options, routes: ownPaths })
      t.teardown(() => app.close())
      const report = await audit({ app })
      t.same(failures(report.results), [])
      t.equal(report.ok, true)
      t.equal(report.document.paths, 2, '/items and /items/{id}: the hidden paths are not in the document')
      t.notOk(report.results.some(r => /secret|admin/.test(r.path)))
    })
  }
}

/** The passed checks of hidden methods (no 405 expected): `METHOD path check got`. */
function hiddenPasses (results: CheckResult[]): string[] {
  return results.filter(r => r.verdict === 'pass' && r.reason.includes('hidden with config.allow.hide: true')).map(r => `${r.method} ${r.path} ${r.check} ${r.got}`).sort()
}

/** Hidden routes beside visible ones: a hidden DELETE, a hidden GET (and fastify's HEAD with it), a hidden POST. */
function besideVisible (app: FastifyInstance): void {
  app.get('/items', ok)
  app.post('/items', HIDE, ok)
  app.get('/items/:id', ok)
  app.delete('/items/:id', HIDE, async (_request, reply) => reply.code(204).send())
  app.get('/things/:id', HIDE, ok)
  app.put('/things/:id', ok)
  app.get('/secret', HIDE, ok)
}

for (const form of FORMS) {
  for (const order of ORDERS) {
    test(`${form.name}, ${order}: audit({ app }) of an app with hidden routes beside visible ones on a path is clean`, async (t) => {
      const app = await buildApp({ order, swagger: form.options, routes: besideVisible })
      t.teardown(() => app.close())
      const report = await audit({ app })
      t.same(failures(report.results), [])
      t.equal(report.ok, true)
      t.same(hiddenPasses(report.results), [
        'DELETE /items/{id} not-allowed 204',
        'GET /things/{id} not-allowed 200',
        'HEAD /things/{id} not-allowed 200',
        'POST /items not-allowed 200'
      ], 'the hidden methods pass, saying why no 405 is expected')
      t.match(report.results.find(r => r.method === 'PATCH' && r.path === '/items/{id}'), { check: 'not-allowed', verdict: 'pass', got: '405, Allow: GET, HEAD, OPTIONS' }, 'the other methods still get 405')
      t.match(report.results.find(r => r.method === 'OPTIONS' && r.path === '/things/{id}'), { verdict: 'pass', got: /Allow: PUT, OPTIONS/ })
    })
  }
}

test('the mark of the hidden operations is on the document object only: JSON, YAML and copies do not show it', async (t) => {
  const mark: symbol = Symbol.for('fastify-allowed-methods.hidden')
  const markOf = (value: unknown): unknown => (value as Record<symbol, unknown>)[mark]
  const app = await buildApp({
    routes: async (a) => {
      besideVisible(a)
      await a.register(swaggerUi, { routePrefix: '/documentation' })
    }
  })
  t.teardown(() => app.close())
  const doc = app.swagger() as Json
  t.same(markOf(doc), {
    '/items': ['POST'],
    '/items/{id}': ['DELETE'],
    '/things/{id}': ['GET', 'HEAD'],
    '/secret': ['GET', 'HEAD'] // a path that went entirely
  })
  t.ok(Object.isFrozen(markOf(doc)))
  t.notOk(Object.getOwnPropertyDescriptor(doc, mark)?.enumerable, 'not enumerable')
  t.equal(markOf(structuredClone(doc)), undefined)
  t.same(JSON.parse(JSON.stringify(doc)), doc)
  t.notOk((app.swagger({ yaml: true }) as unknown as string).includes('hidden'), 'the YAML form has no trace of it')
  const plain = await buildApp({ routes: (a) => { a.get('/items', ok) } })
  t.teardown(() => plain.close())
  t.equal(markOf(plain.swagger()), undefined, 'no hidden route, no mark')

  // the same document through JSON (a file, swagger-ui's /json, the command line) cannot tell which
  // methods are hidden on purpose: a served method the document leaves out is a violation
  const base = await listen(app)
  const remote = await audit({ baseUrl: base })
  t.equal(remote.document.source, base + '/documentation/json')
  t.same(failures(remote.results), ['DELETE /items/{id} not-allowed', 'GET /things/{id} not-allowed', 'HEAD /things/{id} not-allowed', 'POST /items not-allowed'])
  t.same(failures((await audit({ app, openapi: JSON.parse(JSON.stringify(doc)) })).results), failures(remote.results), 'in-process with a JSON copy too')
  t.same(failures((await audit({ app, openapi: doc })).results), [], 'the object itself, given as openapi, carries the mark')
})

test('OpenAPI 3.2: a hidden PURGE route beside visible ones is not expected to answer 501', async (t) => {
  const app = await buildApp({
    swagger: { openapi: { openapi: '3.2.0', info: { title: 'test', version: '1.0.0' } } },
    routes: (a) => {
      a.addHttpMethod('PURGE')
      a.get('/cache', ok)
      a.route({ method: 'PURGE', url: '/cache', handler: ok, ...HIDE })
    }
  })
  t.teardown(() => app.close())
  const report = await audit({ app })
  t.same(failures(report.results), [])
  t.same(hiddenPasses(report.results), ['PURGE /cache unknown-method 200'])
  t.equal(report.results.filter(r => r.method === 'PURGE').length, 1, 'one result for PURGE: the hidden one')
})

test('a route hidden by a function is documented: the audit is clean for a caller who sees it', async (t) => {
  const app = await buildApp({ routes: sharedPaths })
  t.teardown(() => app.close())
  t.same(failures((await audit({ app, headers: { 'x-admin': '1' } })).results), [])
  // an anonymous caller gets less than the document describes for DELETE /reports/{id}
  t.same([...new Set(failures((await audit({ app })).results).map(f => f.split(' ')[1]))], ['/reports/{id}'])
})

test('a document whose every path is hidden: the paths go, nothing is added', async (t) => {
  const only = (app: FastifyInstance): void => {
    app.get('/secret', HIDE, ok)
    app.delete('/admin/:id', HIDE, ok)
  }
  const app = await buildApp({ routes: only })
  t.teardown(() => app.close())
  const plain = await buildApp({ routes: only, withoutPlugin: true })
  t.teardown(() => plain.close())
  const doc = app.swagger() as Json
  t.same(Object.keys((plain.swagger() as Json).paths).sort(), ['/admin/{id}', '/secret'], 'swagger alone documents them')
  t.same(doc, { ...(plain.swagger() as Json), paths: {} }, 'no components for answers no path gives')
  t.same(await schemaErrors(doc), [])
})

test('OpenAPI 3.2: hidden methods leave additionalOperations; an emptied map goes', async (t) => {
  const app = await buildApp({
    swagger: { openapi: { openapi: '3.2.0', info: { title: 'test', version: '1.0.0' } } },
    routes: (a) => {
      a.addHttpMethod('MKCOL')
      a.addHttpMethod('PROPFIND')
      a.get('/dav', ok)
      a.route({ method: 'MKCOL', url: '/dav', handler: ok, ...HIDE })
      a.route({ method: 'PROPFIND', url: '/dav', handler: ok })
      a.get('/dav2', ok)
      a.route({ method: 'MKCOL', url: '/dav2', handler: ok, ...HIDE })
    }
  })
  t.teardown(() => app.close())
  const doc = app.swagger() as Json
  t.same(Object.keys(doc.paths['/dav'].additionalOperations), ['PROPFIND'])
  t.equal(documentedAllow(doc.paths['/dav'].options), 'GET, HEAD, OPTIONS, PROPFIND')
  t.notOk('additionalOperations' in doc.paths['/dav2'], 'no empty map left behind')
  t.same(operations(doc), ['GET /dav', 'GET /dav2', 'OPTIONS /dav', 'OPTIONS /dav2', 'PROPFIND /dav'])
  t.same(await schemaErrors(doc), [])
})

test('only config.allow.hide: true removes operations: a hidden catch-all that swagger documents stays', async (t) => {
  // a wildcard with schema.hide is another plugin's catch-all (kept out of Allow); swagger leaves
  // it out of the document by itself, unless a transform puts it back, as here: then it stays
  const app = await buildApp({
    routes: (a) => {
      a.get('/items', ok)
      a.get('/files/*', {
        schema: { hide: true },
        config: { swaggerTransform: ({ schema, url }: { schema: Json, url: string }) => ({ schema: { ...schema, hide: false }, url }) }
      }, ok)
    }
  })
  t.teardown(() => app.close())
  const plain = await buildApp({ routes: (a) => { a.get('/files/*', { schema: { hide: false } }, ok) }, withoutPlugin: true })
  t.teardown(() => plain.close())
  const doc = app.swagger() as Json
  t.same(doc.paths['/files/{*}'], (plain.swagger() as Json).paths['/files/{*}'], 'left exactly as swagger wrote it')
  t.ok(isOurs(doc.paths['/items'].options))
})

test('a hidden route\'s operation goes also where the first URLs tried are rejected or taken by a more specific route', async (t) => {
  const app = await buildApp({
    server: { routerOptions: { maxParamLength: 5 } },
    routes: (a) => {
      // the documented example is longer than maxParamLength: fastify rejects that URL for every method
      a.get('/things/:id', { schema: { params: { type: 'object', properties: { id: { type: 'string', examples: ['too-long-for-it'] } } } } }, ok)
      a.delete('/things/:id', HIDE, ok)
      a.get('/things/1', ok) // takes the sample value `1`: `x` stands for /things/{id}
    }
  })
  t.teardown(() => app.close())
  const doc = app.swagger() as Json
  t.same(operations(doc), ['GET /things/1', 'GET /things/{id}', 'OPTIONS /things/1', 'OPTIONS /things/{id}'])
  t.equal(documentedAllow(doc.paths['/things/{id}'].options), 'GET, HEAD, OPTIONS')
  t.equal(documentedAllow(doc.paths['/things/1'].options), 'GET, HEAD, OPTIONS', 'the hidden DELETE serves /things/1 too, unlisted')
  const base = await listen(app)
  t.equal((await liveOptions(base, '/things/x')).allow, 'GET, HEAD, OPTIONS')
  t.equal((await send(base, 'GET', '/things/too-long-for-it')).status, 414, 'the example URL is refused')
})

test('openapi: false leaves the hidden routes in swagger\'s document', async (t) => {
  const app = await buildApp({ plugin: { openapi: false }, routes: sharedPaths })
  t.teardown(() => app.close())
  const doc = app.swagger() as Json
  t.ok(doc.paths['/secret'].get)
  t.ok(doc.paths['/items/{id}'].delete)
})

for (const order of ORDERS) {
  test(`static mode, ${order}: the document is left alone, and hidden routes are not expected in it`, async (t) => {
    const document = {
      openapi: '3.1.0',
      info: { title: 'static', version: '1.0.0' },
      paths: {
        '/items': { get: { responses: { 200: { description: 'ok' } } } },
        '/items/{id}': { get: { responses: { 200: { description: 'ok' } } } },
        '/reports/{id}': { get: { responses: { 200: { description: 'ok' } } }, delete: { responses: { 204: { description: 'gone' } } } }
      }
    }
    const snapshot = structuredClone(document)
    const warnings: Json[] = []
    const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { warnings.push(JSON.parse(line)) } } } })
    t.teardown(() => app.close())
    const registerSwagger = async (): Promise<void> => { await app.register(swagger, { mode: 'static', specification: { document } } as never) }
    if (order === 'swagger first') await registerSwagger()
    await app.register(fastifyAllowedMethods, { openapiStrict: true })
    if (order === 'plugin first') await registerSwagger()
    sharedPaths(app)
    await app.ready()
    t.equal(app.swagger(), document, 'the very object the user gave')
    t.same(document, snapshot, 'not rewritten')
    t.same(warnings, [], 'no difference: the hide: true routes need not be documented')
  })

  test(`static mode, ${order}: a document that describes the hidden routes is not told that no route serves them`, async (t) => {
    const document = {
      openapi: '3.1.0',
      info: { title: 'static', version: '1.0.0' },
      paths: {
        '/items': { get: { responses: { 200: { description: 'ok' } } }, post: { responses: { 201: { description: 'created' } } } },
        '/items/{id}': { get: { responses: { 200: { description: 'ok' } } }, delete: { responses: { 204: { description: 'gone' } } } },
        '/reports/{id}': { get: { responses: { 200: { description: 'ok' } } }, delete: { responses: { 204: { description: 'gone' } } } },
        '/secret': { get: { responses: { 200: { description: 'ok' } } }, post: { responses: { 200: { description: 'ok' } } } },
        '/admin/{id}': { get: { responses: { 200: { description: 'ok' } } }, put: { responses: { 200: { description: 'ok' } } } }
      }
    }
    const app = Fastify()
    t.teardown(() => app.close())
    const registerSwagger = async (): Promise<void> => { await app.register(swagger, { mode: 'static', specification: { document } } as never) }
    if (order === 'swagger first') await registerSwagger()
    await app.register(fastifyAllowedMethods, { openapiStrict: true })
    if (order === 'plugin first') await registerSwagger()
    sharedPaths(app)
    await t.resolves(async () => { await app.ready() }, 'strict: no difference')
  })
}
