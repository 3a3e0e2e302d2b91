import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { parse } from 'yaml'
import fastifyAllowedMethods from '../lib/index'
import { FORMS, buildApp, documentedAllow, isOurs, listen, liveOptions, schemaErrors, send, urlOf } from './helpers/openapi'
import type { Json } from './helpers/openapi'
import Fastify from 'fastify'
import fastifyPlugin from 'fastify-plugin'

async function ok (): Promise<string> {
  return 'ok'
}

function few (app: FastifyInstance): void {
  app.get('/users', { schema: { tags: ['users'] } }, ok)
  app.get('/users/:id', ok)
  app.delete('/users/:id', ok)
}

/** A logger that keeps what it writes. */
function capture (): { lines: Json[], logger: { level: string, stream: { write: (line: string) => void } } } {
  const lines: Json[] = []
  return { lines, logger: { level: 'warn', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } }
}

test('openapi: false leaves the document exactly as swagger makes it', async (t) => {
  const app = await buildApp({ plugin: { openapi: false }, routes: few })
  t.teardown(() => app.close())
  const plain = await buildApp({ routes: few, withoutPlugin: true })
  t.teardown(() => plain.close())
  t.same(app.swagger(), plain.swagger())
  t.equal(app.swagger({ yaml: true }), plain.swagger({ yaml: true }))
})

test('the YAML form, the object, and swagger-ui\'s JSON and YAML routes carry the same document', async (t) => {
  const app = await buildApp({
    routes: async (a) => {
      few(a)
      await a.register(swaggerUi, { routePrefix: '/documentation' })
    }
  })
  t.teardown(() => app.close())
  const doc = app.swagger() as Json
  const text = app.swagger({ yaml: true }) as unknown as string
  t.ok(isOurs(doc.paths['/users/{id}'].options))
  t.same(parse(text), doc, 'YAML = object')
  t.equal(app.swagger({ yaml: true }), text, 'the YAML is built once')
  t.equal(app.swagger(), doc, 'the object is extended once')
  const base = await listen(app)
  const json = await send(base, 'GET', '/documentation/json')
  t.same(JSON.parse(json.body), doc, 'swagger-ui serves the extended JSON')
  const yaml = await send(base, 'GET', '/documentation/yaml')
  t.same(parse(yaml.body), doc, 'swagger-ui serves the extended YAML')
  t.equal(doc.paths['/documentation/json'], undefined, 'swagger-ui\'s own routes stay out')
})

test('a custom swagger decorator name, and several swagger instances', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods, { openapiDecorator: ['publicDoc', 'adminDoc'] })
  await app.register(swagger, { ...FORMS[0].options, decorator: 'publicDoc' })
  await app.register(swagger, { ...FORMS[2].options, decorator: 'adminDoc' })
  few(app)
  await app.ready()
  const publicDoc = (app as unknown as Record<string, () => Json>).publicDoc()
  const adminDoc = (app as unknown as Record<string, () => Json>).adminDoc()
  t.equal(documentedAllow(publicDoc.paths['/users/{id}'].options), 'GET, HEAD, DELETE, OPTIONS')
  t.equal(documentedAllow(adminDoc.paths['/users/{id}'].options), 'GET, HEAD, DELETE, OPTIONS')
  t.same(await schemaErrors(publicDoc), [])
  t.same(await schemaErrors(adminDoc), [])
})

test('swagger under another decorator name than the option says: a warning, the document untouched', async (t) => {
  const { lines, logger } = capture()
  const app = await buildApp({ server: { logger }, swagger: { ...FORMS[0].options, decorator: 'apiDoc' }, routes: few })
  t.teardown(() => app.close())
  const doc = (app as unknown as Record<string, () => Json>).apiDoc()
  t.equal(doc.paths['/users/{id}'].options, undefined)
  const warning = lines.find(l => /no decorator fastify\.swagger\(\)/.test(l.msg))
  t.ok(warning, 'the warning names the decorator')
  t.match(warning?.msg, /set the option openapiDecorator/)
})

test('no swagger at all: nothing to do, nothing logged', async (t) => {
  const { lines, logger } = capture()
  const app = Fastify({ logger })
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods, { openapiDecorator: 'docs' })
  few(app)
  await app.ready()
  t.same(lines, [])
})

test('the plugin inside a fastify-plugin wrapper finds swagger registered before the wrapper', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(swagger, FORMS[0].options)
  await app.register(fastifyPlugin(async (wrapper) => {
    await wrapper.register(fastifyAllowedMethods)
  }))
  await app.register(async (child) => { few(child) })
  await app.ready()
  t.equal(documentedAllow((app.swagger() as Json).paths['/users/{id}'].options), 'GET, HEAD, DELETE, OPTIONS')
})

for (const form of FORMS) {
  test(`${form.name}: autoOptions false adds no options operation, still documents 405`, async (t) => {
    const app = await buildApp({ plugin: { autoOptions: false }, swagger: form.options, routes: few })
    t.teardown(() => app.close())
    const doc = app.swagger() as Json
    t.same(await schemaErrors(doc), [])
    for (const item of Object.values<Json>(doc.paths)) {
      t.equal(item.options, undefined)
      t.ok(item.get.responses['405'].$ref.endsWith('/MethodNotAllowed'))
    }
    const base = await listen(app)
    const res = await send(base, 'OPTIONS', '/users/7')
    t.equal(res.status, 405, 'OPTIONS is one more method the path does not support')
    t.equal(res.headers.allow, 'GET, HEAD, DELETE')
  })

  test(`${form.name}: notImplemented false documents no 501, useErrorHandler no body schema`, async (t) => {
    const app = await buildApp({ plugin: { notImplemented: false, useErrorHandler: true }, swagger: form.options, routes: few })
    t.teardown(() => app.close())
    const doc = app.swagger() as Json
    t.same(await schemaErrors(doc), [])
    const responses = doc.responses ?? doc.components.responses
    t.same(Object.keys(responses), ['MethodNotAllowed'])
    t.equal(responses.MethodNotAllowed.content, undefined)
    t.equal(responses.MethodNotAllowed.schema, undefined)
    t.match(responses.MethodNotAllowed.description, /written by the app's error handler/)
    t.equal((doc.definitions ?? doc.components.schemas).AllowedMethodsProblem, undefined, 'no unused schema')
    t.same(Object.keys(doc.paths['/users/{id}'].options.responses), ['204', '405'])
  })
}

test('problemType appears in the examples', async (t) => {
  const app = await buildApp({ plugin: { problemType: (status) => `https://example.com/problems/${status}` }, routes: few })
  t.teardown(() => app.close())
  const responses = (app.swagger() as Json).components.responses
  t.equal(responses.MethodNotAllowed.content['application/problem+json'].example.type, 'https://example.com/problems/405')
  t.equal(responses.NotImplemented.content['application/problem+json'].example.type, 'https://example.com/problems/501')
  const two = await buildApp({ plugin: { problemType: 'https://example.com/p' }, swagger: FORMS[2].options, routes: few })
  t.teardown(() => two.close())
  t.equal((two.swagger() as Json).responses.NotImplemented.examples['application/problem+json'].type, 'https://example.com/p')
})

test('names the user already took: components and operationIds are never overwritten', async (t) => {
  const theirs = { description: 'Their own 405', content: { 'text/plain': { schema: { type: 'string' } } } }
  const app = await buildApp({
    swagger: {
      openapi: {
        openapi: '3.0.3',
        info: { title: 't', version: '1' },
        components: { responses: { MethodNotAllowed: theirs }, headers: { Allow: { schema: { type: 'string' } } } }
      }
    },
    routes: (a) => {
      a.get('/users', { schema: { operationId: 'optionsUsers' } }, ok)
      a.get('/', ok)
    }
  })
  t.teardown(() => app.close())
  const doc = app.swagger() as Json
  t.same(doc.components.responses.MethodNotAllowed, theirs, 'theirs kept')
  t.ok(doc.components.responses.MethodNotAllowed2, 'ours beside it')
  t.same(doc.paths['/users'].get.responses['405'], { $ref: '#/components/responses/MethodNotAllowed2' })
  t.same(doc.components.responses.MethodNotAllowed2.headers.Allow, { $ref: '#/components/headers/Allow2' })
  t.equal(doc.paths['/users'].options.operationId, 'optionsUsers2')
  t.equal(doc.paths['/'].options.operationId, 'optionsRoot')
  t.equal(doc.paths['/'].options.tags, undefined, 'no tags where the path has none')
  t.same(await schemaErrors(doc), [])

  // a second document with the same names reuses identical components
  const again = await buildApp({
    swagger: { openapi: { ...FORMS[0].options.openapi, components: doc.components } },
    routes: (a) => { a.get('/users', ok) }
  })
  t.teardown(() => again.close())
  const second = again.swagger() as Json
  t.same(Object.keys(second.components.responses), ['MethodNotAllowed', 'MethodNotAllowed2', 'NotImplemented'])
})

test('server base paths: keys stripped or not, variables, a URL swagger does not parse', async (t) => {
  const routes = async (a: FastifyInstance): Promise<void> => {
    await a.register(async (api) => {
      api.get('/items/:id', ok)
      api.post('/items', ok)
    }, { prefix: '/api/v1' })
  }
  const variants: Array<{ name: string, swagger: Json, keys: string[], base: string }> = [
    { name: 'stripped', swagger: { openapi: { info: { title: 't', version: '1' }, servers: [{ url: 'http://localhost:3000/api/v1' }] } }, keys: ['/items/{id}', '/items'], base: '/api/v1' },
    { name: 'variables', swagger: { openapi: { info: { title: 't', version: '1' }, servers: [{ url: '/{root}/v1', variables: { root: { default: 'api' } } }] } }, keys: ['/items/{id}', '/items'], base: '/api/v1' },
    { name: 'not stripped', swagger: { stripBasePath: false, openapi: { info: { title: 't', version: '1' }, servers: [{ url: 'http://localhost/api/v1' }] } }, keys: ['/api/v1/items/{id}', '/api/v1/items'], base: '' },
    { name: 'bad server URL', swagger: { stripBasePath: false, openapi: { info: { title: 't', version: '1' }, servers: [{ url: 'http://[oops' }] } }, keys: ['/api/v1/items/{id}', '/api/v1/items'], base: '' },
    { name: 'Swagger 2.0 basePath', swagger: { swagger: { info: { title: 't', version: '1' }, basePath: '/api/v1' } }, keys: ['/items/{id}', '/items'], base: '/api/v1' }
  ]
  for (const v of variants) {
    const app = await buildApp({ swagger: v.swagger, routes })
    t.teardown(() => app.close())
    const base = await listen(app)
    const doc = app.swagger() as Json
    t.same(Object.keys(doc.paths), v.keys, `${v.name}: swagger's keys`)
    for (const key of v.keys) {
      const live = await liveOptions(base, urlOf(key, v.base))
      t.equal(live.status, 204)
      t.equal(documentedAllow(doc.paths[key].options), live.allow, `${v.name} ${key}`)
    }
  }
})

test('the document\'s own examples and enums fill the parameters; path-level parameters are not repeated', async (t) => {
  const app = await buildApp({
    swagger: {
      openapi: {
        info: { title: 't', version: '1' },
        paths: { '/things/{slug}': { parameters: [{ name: 'slug', in: 'path', required: true, schema: { type: 'string' }, example: 'hello-world' }] } }
      }
    },
    routes: (a) => {
      a.get('/colors/:name(^(red|blue)$)', { schema: { params: { type: 'object', properties: { name: { type: 'string', enum: ['red', 'blue'] } } } } }, ok)
      a.get('/things/:slug(^hello-world$)', ok)
    }
  })
  t.teardown(() => app.close())
  const doc = app.swagger() as Json
  t.equal(documentedAllow(doc.paths['/colors/{name}'].options), 'GET, HEAD, OPTIONS', 'found through the enum')
  t.equal(documentedAllow(doc.paths['/things/{slug}'].options), 'GET, HEAD, OPTIONS', 'found through the path-level example')
  t.equal(doc.paths['/things/{slug}'].options.parameters, undefined, 'the path-level parameter applies')
  t.same(await schemaErrors(doc), [])
})

test('paths the app does not route as documented, and documents that are not OpenAPI, are left alone', async (t) => {
  const moved = await buildApp({
    swagger: { ...FORMS[0].options, transform: ({ schema, url }: { schema: unknown, url: string }) => ({ schema, url: '/moved' + url }) },
    routes: few
  })
  t.teardown(() => moved.close())
  const plain = await buildApp({
    swagger: { ...FORMS[0].options, transform: ({ schema, url }: { schema: unknown, url: string }) => ({ schema, url: '/moved' + url }) },
    routes: few,
    withoutPlugin: true
  })
  t.teardown(() => plain.close())
  t.same(moved.swagger(), plain.swagger(), 'no URL of /moved/... is served: nothing added')

  for (const odd of [{ something: 'else' }, { openapi: '3.0.3', info: { title: 't', version: '1' } }, { openapi: '3.0.3', paths: { '/users': null } }]) {
    const app = await buildApp({ swagger: { ...FORMS[0].options, transformObject: () => odd }, routes: few })
    t.teardown(() => app.close())
    t.same(app.swagger(), odd)
  }
})

test('OpenAPI 3.2: operations of added methods (additionalOperations) get the references', async (t) => {
  const app = await buildApp({
    swagger: { openapi: { openapi: '3.2.0', info: { title: 't', version: '1' } } },
    routes: (a) => {
      a.addHttpMethod('PROPFIND')
      a.route({ method: 'PROPFIND', url: '/dav', handler: ok })
    }
  })
  t.teardown(() => app.close())
  const doc = app.swagger() as Json
  const item = doc.paths['/dav']
  t.same(item.additionalOperations.PROPFIND.responses['405'], { $ref: '#/components/responses/MethodNotAllowed' })
  t.equal(documentedAllow(item.options), 'OPTIONS, PROPFIND')
  t.same(await schemaErrors(doc), [])
  const base = await listen(app)
  t.equal((await liveOptions(base, '/dav')).allow, 'OPTIONS, PROPFIND')
})

test('Swagger 2.0: our operations say they produce problem+json; parameters are Swagger 2.0 parameters', async (t) => {
  const app = await buildApp({ swagger: FORMS[2].options, routes: few })
  t.teardown(() => app.close())
  const op = (app.swagger() as Json).paths['/users/{id}'].options
  t.same(op.produces, ['application/problem+json'])
  t.same(op.parameters, [{ type: 'string', required: true, in: 'path', name: 'id' }])
  t.same(op.responses['204'].headers.Allow, { type: 'string', enum: ['GET, HEAD, DELETE, OPTIONS'], description: 'Exactly the methods of this path: `GET, HEAD, DELETE, OPTIONS`.' })
})

test('path parameters nobody declares are declared by our operation, as strings', async (t) => {
  for (const form of [FORMS[0], FORMS[2]]) {
    const strip = ({ openapiObject, swaggerObject }: { openapiObject?: Json, swaggerObject?: Json }): Json => {
      const doc = (openapiObject ?? swaggerObject) as Json
      for (const item of Object.values<Json>(doc.paths)) for (const op of Object.values<Json>(item)) delete op.parameters
      return doc
    }
    const app = await buildApp({ swagger: { ...form.options, transformObject: strip }, routes: few })
    t.teardown(() => app.close())
    const op = (app.swagger() as Json).paths['/users/{id}'].options
    t.same(op.parameters, [form.name === 'Swagger 2.0'
      ? { name: 'id', in: 'path', required: true, type: 'string' }
      : { name: 'id', in: 'path', required: true, schema: { type: 'string' } }], form.name)
  }
})

test('OpenAPI 3 `examples` of a parameter are tried too', async (t) => {
  const app = await buildApp({
    swagger: {
      openapi: {
        info: { title: 't', version: '1' },
        paths: { '/codes/{code}': { parameters: [{ name: 'code', in: 'path', required: true, schema: { type: 'string' }, examples: { first: { value: 'Q-77' }, none: 'not an object' } }] } }
      }
    },
    routes: (a) => { a.get('/codes/:code(^Q-\\d+$)', ok) }
  })
  t.teardown(() => app.close())
  t.equal(documentedAllow((app.swagger() as Json).paths['/codes/{code}'].options), 'GET, HEAD, OPTIONS')
})

test('a decorator of that name that is not a function is not swagger\'s', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.decorate('docs', { not: 'a function' })
  await app.register(fastifyAllowedMethods, { openapiDecorator: 'docs' })
  await app.ready()
  t.same((app as unknown as Record<string, unknown>).docs, { not: 'a function' })
})

test('documents reshaped by transformObject: odd members are kept, declared responses win', async (t) => {
  const reshape = ({ openapiObject }: { openapiObject: Json }): Json => {
    const paths = openapiObject.paths
    paths['/users'].get.responses = { 405: { description: 'theirs' }, 501: { description: 'theirs too' } }
    delete paths['/users/{id}'].get.responses
    paths['/users/{id}'].additionalOperations = { PROPFIND: 'not an operation' }
    paths['/users/{id}'].options = { summary: 'documented, served by the plugin', responses: { 204: { description: 'ok' } } }
    paths['/odd'] = 'not a path item'
    return openapiObject
  }
  for (const autoOptions of [true, false]) {
    const app = await buildApp({ plugin: { autoOptions }, swagger: { ...FORMS[0].options, transformObject: reshape }, routes: few })
    t.teardown(() => app.close())
    const doc = app.swagger() as Json
    t.same(doc.paths['/users'].get.responses, { 405: { description: 'theirs' }, 501: { description: 'theirs too' } }, 'declared 405/501 kept')
    t.equal(doc.paths['/odd'], 'not a path item')
    const item = doc.paths['/users/{id}']
    if (autoOptions) {
      t.same(item.options, { summary: 'documented, served by the plugin', responses: { 204: { description: 'ok' } } }, 'a documented OPTIONS operation is kept')
      t.same(Object.keys(item.get.responses), ['405', '501'], 'references added to an operation without responses')
      t.equal(item.additionalOperations.PROPFIND, 'not an operation')
    } else {
      t.notOk('405' in (item.get.responses ?? {}), 'OPTIONS documented but answered 405: the path is not routed as documented, left alone')
    }
  }
  const text = await buildApp({ swagger: { ...FORMS[0].options, transformObject: () => 'not a document' }, routes: few })
  t.teardown(() => text.close())
  t.equal(text.swagger(), 'not a document')
})

test('no 405 possible and notImplemented off: no components at all', async (t) => {
  const app = await buildApp({ plugin: { notImplemented: false }, routes: (a) => { a.all('/any', ok) } })
  t.teardown(() => app.close())
  const doc = app.swagger() as Json
  t.same(doc.components, { schemas: {} })
  t.equal(doc.paths['/any'].get.responses['405'], undefined)
  t.equal(doc.paths['/any'].options.summary, undefined, 'all() has its own OPTIONS route')
})
