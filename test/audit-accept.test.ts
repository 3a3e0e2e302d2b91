import { test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import fastifySwagger from '@fastify/swagger'
import fastifyAllowedMethods from '../lib/index'
import { audit } from '../lib/audit/index'
import { normaliseDocument } from '../lib/openapi/document'
import type { CheckResult } from '../lib/audit/index'

// issue 12, item 2: where the document shows PATCH / POST request bodies, an Accept-Patch /
// Accept-Post that the OPTIONS answer carries must list their media types (a range covers them;
// more types than documented is fine; no header, nothing to check)

function optionsProblems (results: CheckResult[]): string[] {
  return results.filter(r => r.check === 'options' && r.verdict === 'fail').map(r => r.reason)
}

function document (patchTypes: string[], postTypes: string[] | null = null): Record<string, unknown> {
  const body = (types: string[]): Record<string, unknown> => ({ content: Object.fromEntries(types.map(t => [t, { schema: { type: 'object' } }])) })
  return {
    openapi: '3.1.0',
    info: { title: 'items', version: '1' },
    paths: {
      '/items': {
        get: { responses: { 200: { description: 'ok' } } },
        post: { ...(postTypes === null ? {} : { requestBody: body(postTypes) }), responses: { 201: { description: 'created' } } }
      },
      '/items/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        get: { responses: { 200: { description: 'ok' } } },
        patch: { requestBody: body(patchTypes), responses: { 200: { description: 'ok' } } }
      }
    }
  }
}

/** Fastify + the plugin: PATCH accepts merge-patch (its schema), POST whatever the root parsers take. */
async function app (): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(fastifyAllowedMethods)
  app.get('/items', async () => [])
  app.post('/items', async (_request, reply) => reply.code(201).send({ id: 1 }))
  app.get('/items/:id', async () => ({ id: 1 }))
  app.patch('/items/:id', { schema: { body: { content: { 'application/merge-patch+json': { schema: { type: 'object' } } } } } }, async () => ({ id: 1 }))
  await app.ready()
  return app
}

test('Accept-Patch and Accept-Post that list the documented media types pass', async (t) => {
  const server = await app()
  t.teardown(() => server.close())
  const report = await audit({ app: server, openapi: document(['application/merge-patch+json'], ['application/json; charset=utf-8']) })
  t.same(optionsProblems(report.results), [])
  t.equal(report.ok, true, 'the whole audit passes')
})

test('a documented media type the header does not list is a violation, named', async (t) => {
  const server = await app()
  t.teardown(() => server.close())
  const report = await audit({ app: server, openapi: document(['application/merge-patch+json', 'application/json-patch+json'], ['application/xml']) })
  t.same(optionsProblems(report.results), [
    "The document says POST /items accepts application/xml, but the OPTIONS answer's Accept-Post lists only application/json, text/plain.",
    "The document says PATCH /items/{id} accepts application/json-patch+json, but the OPTIONS answer's Accept-Patch lists only application/merge-patch+json."
  ])
})

test('ranges: a listed */* or application/* covers a documented type, a documented range covers a listed type', async (t) => {
  const wildcard = Fastify()
  t.teardown(() => wildcard.close())
  await wildcard.register(fastifyAllowedMethods)
  wildcard.get('/items', async () => [])
  wildcard.post('/items', { schema: { body: { content: { 'application/*': { schema: {} } } } } }, async (_request, reply) => reply.code(201).send({}))
  wildcard.get('/items/:id', async () => ({}))
  wildcard.patch('/items/:id', { schema: { body: { content: { '*/*': { schema: {} } } } } }, async () => ({}))
  await wildcard.ready()
  t.same(optionsProblems((await audit({ app: wildcard, openapi: document(['application/merge-patch+json'], ['application/json']) })).results), [])
  const server = await app()
  t.teardown(() => server.close())
  t.same(optionsProblems((await audit({ app: server, openapi: document(['application/*'], ['text/*']) })).results), [], 'documented ranges')
})

test('no header or no documented body: nothing to compare', async (t) => {
  const server = Fastify()
  t.teardown(() => server.close())
  await server.register(fastifyAllowedMethods, { acceptPatch: false, acceptPost: false })
  server.get('/items', async () => [])
  server.post('/items', async (_request, reply) => reply.code(201).send({}))
  server.get('/items/:id', async () => ({}))
  server.patch('/items/:id', async () => ({}))
  await server.ready()
  t.same(optionsProblems((await audit({ app: server, openapi: document(['application/xml'], ['application/xml']) })).results), [], 'headers turned off')
  const other = await app()
  t.teardown(() => other.close())
  t.same(optionsProblems((await audit({ app: other, openapi: document(['application/merge-patch+json'], null) })).results), [], 'POST documents no body')
})

test('Swagger 2.0: a body parameter and consumes (the operation\'s, else the document\'s)', async (t) => {
  const server = await app()
  t.teardown(() => server.close())
  const swagger = {
    swagger: '2.0',
    info: { title: 'items', version: '1' },
    consumes: ['application/json'],
    paths: {
      '/items': {
        get: { responses: { 200: { description: 'ok' } } },
        post: { parameters: [{ name: 'item', in: 'body', schema: { type: 'object' } }], responses: { 201: { description: 'created' } } }
      },
      '/items/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, type: 'string' }],
        get: { responses: { 200: { description: 'ok' } } },
        patch: { consumes: ['application/json-patch+json'], parameters: [{ name: 'patch', in: 'body', schema: { type: 'array' } }], responses: { 200: { description: 'ok' } } }
      }
    }
  }
  t.same(optionsProblems((await audit({ app: server, openapi: swagger })).results), [
    "The document says PATCH /items/{id} accepts application/json-patch+json, but the OPTIONS answer's Accept-Patch lists only application/merge-patch+json."
  ])
  // a POST without body or form parameter documents no body
  const noBody = { ...swagger, paths: { ...swagger.paths, '/items': { ...swagger.paths['/items'], post: { responses: { 201: { description: 'created' } } } } } }
  t.equal(optionsProblems((await audit({ app: server, openapi: noBody })).results).length, 1, 'only the PATCH one')
})

test('the document @fastify/swagger generates for an app with the plugin audits clean', async (t) => {
  const server = Fastify()
  t.teardown(() => server.close())
  await server.register(fastifySwagger, { openapi: { info: { title: 'items', version: '1' } } })
  await server.register(fastifyAllowedMethods)
  server.get('/items', async () => [])
  server.post('/items', { schema: { body: { type: 'object' } } }, async (_request, reply) => reply.code(201).send({}))
  server.get('/items/:id', { schema: { params: { type: 'object', properties: { id: { type: 'string' } } } } }, async () => ({}))
  server.patch('/items/:id', { schema: { body: { content: { 'application/merge-patch+json': { schema: { type: 'object' } } } } } }, async () => ({}))
  await server.ready()
  const report = await audit({ app: server })
  t.same(optionsProblems(report.results), [])
  t.equal(report.ok, true)
})

test('the media types the document reader takes from request bodies: the edges', async (t) => {
  const op = (extra: Record<string, unknown>): Record<string, unknown> => ({ ...extra, responses: { 200: { description: 'ok' } } })
  const doc = normaliseDocument({
    swagger: '2.0',
    info: { title: 'x', version: '1' },
    paths: {
      '/form': { post: op({ consumes: ['multipart/form-data', 7], parameters: [{ name: 'f', in: 'formData', type: 'file' }] }) },
      '/none': { post: op({ parameters: [{ name: 'b', in: 'body', schema: {} }] }), patch: op({ parameters: [{ name: 'q', in: 'query', type: 'string' }] }) }
    }
  })
  const types = (path: string, method: string): unknown => doc.paths.find(p => p.path === path)?.operations.get(method)?.bodyTypes
  t.same(types('/form', 'POST'), ['multipart/form-data'], 'form parameters, strings only')
  t.equal(types('/none', 'POST'), undefined, 'a body parameter but no consumes anywhere')
  t.equal(types('/none', 'PATCH'), undefined, 'no body parameter')
  const v3 = normaliseDocument({
    openapi: '3.0.3',
    info: { title: 'x', version: '1' },
    components: { requestBodies: { Item: { content: { 'application/json': { schema: {} } } } } },
    paths: { '/a': { post: op({ requestBody: { $ref: '#/components/requestBodies/Item' } }), patch: op({ requestBody: { content: {} } }) } }
  })
  t.same(v3.paths[0].operations.get('POST')?.bodyTypes, ['application/json'], 'a $ref to components.requestBodies')
  t.equal(v3.paths[0].operations.get('PATCH')?.bodyTypes, undefined, 'an empty content map')
})
