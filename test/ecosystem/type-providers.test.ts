import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger'
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import fastifyAllowedMethods from '../../lib/index'
import { documentedAllow, isOurs, listen, liveOptions, schemaErrors, send, urlOf } from '../helpers/openapi'
import type { Json } from '../helpers/openapi'
import { expectSameAnswers } from '../helpers/same-answers'
import type { Exchange } from '../helpers/same-answers'

/**
 * @fastify/type-provider-typebox (with `typebox` 1) and fastify-type-provider-zod 7 (zod 4, its
 * `jsonSchemaTransform` for @fastify/swagger), each with @fastify/swagger and the plugin's OpenAPI
 * export: the document is valid, and every documented Allow (the `options` operation the plugin
 * adds) is what OPTIONS answers over TCP. Routes are declared after both plugins, or before the
 * plugin.
 */

type Order = 'plugin first' | 'swagger first' | 'routes before the plugin' | 'without the plugin'
const ORDERS: Order[] = ['plugin first', 'swagger first', 'routes before the plugin']

const VERSIONS = ['3.0.3', '3.1.0']

interface Provider {
  name: string
  /** Compilers (and anything else the provider's README sets up on the instance). */
  prepare: (app: FastifyInstance) => void
  swagger: Partial<FastifyDynamicSwaggerOptions>
  routes: (app: FastifyInstance) => void
}

const typebox: Provider = {
  name: '@fastify/type-provider-typebox',
  prepare: (app) => { app.setValidatorCompiler(TypeBoxValidatorCompiler) },
  swagger: {},
  routes: (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    const Item = Type.Object({ id: Type.Integer(), name: Type.String() })
    const Id = Type.Object({ id: Type.Integer({ minimum: 1 }) })
    app.get('/items', {
      schema: { tags: ['items'], querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1 })) }), response: { 200: Type.Array(Item) } }
    }, async (request) => [{ id: request.query.limit ?? 1, name: 'box' }])
    app.post('/items', {
      schema: { tags: ['items'], body: Type.Object({ name: Type.String({ minLength: 1 }) }), response: { 201: Item } }
    }, async (request, reply) => reply.code(201).send({ id: 1, name: request.body.name }))
    app.get('/items/:id', { schema: { tags: ['items'], params: Id, response: { 200: Item } } }, async (request) => ({ id: request.params.id, name: 'box' }))
    app.put('/items/:id', { schema: { tags: ['items'], params: Id, body: Type.Object({ name: Type.String() }) } }, async (request) => ({ id: request.params.id, name: request.body.name }))
    app.delete('/items/:id', { schema: { params: Id } }, async (_request, reply) => reply.code(204).send())
    app.get('/tags/:slug', { schema: { params: Type.Object({ slug: Type.String({ pattern: '^[a-z]+$' }) }) } }, async (request) => ({ slug: request.params.slug }))
    app.get('/internal', { schema: { hide: true } }, async () => 'internal')
  }
}

const zod: Provider = {
  name: 'fastify-type-provider-zod',
  prepare: (app) => {
    app.setValidatorCompiler(validatorCompiler)
    app.setSerializerCompiler(serializerCompiler)
  },
  swagger: { transform: jsonSchemaTransform },
  routes: (fastify) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>()
    const Item = z.object({ id: z.number().int(), name: z.string() })
    const Id = z.object({ id: z.coerce.number().int().min(1) })
    app.get('/items', {
      schema: { tags: ['items'], querystring: z.object({ limit: z.coerce.number().int().min(1).optional() }), response: { 200: z.array(Item) } }
    }, async (request) => [{ id: request.query.limit ?? 1, name: 'box' }])
    app.post('/items', {
      schema: { tags: ['items'], body: z.object({ name: z.string().min(1) }), response: { 201: Item } }
    }, async (request, reply) => reply.code(201).send({ id: 1, name: request.body.name }))
    app.get('/items/:id', { schema: { tags: ['items'], params: Id, response: { 200: Item } } }, async (request) => ({ id: request.params.id, name: 'box' }))
    app.put('/items/:id', { schema: { tags: ['items'], params: Id, body: z.object({ name: z.string() }) } }, async (request) => ({ id: request.params.id, name: request.body.name }))
    app.delete('/items/:id', { schema: { params: Id } }, async (_request, reply) => reply.code(204).send())
    app.get('/tags/:slug', { schema: { params: z.object({ slug: z.string().regex(/^[a-z]+$/) }) } }, async (request) => ({ slug: request.params.slug }))
    app.get('/internal', { schema: { hide: true } }, async () => 'internal')
  }
}

/** What OPTIONS answers for each documented path (Allow), as the routes above are declared. */
const EXPECTED: Record<string, string> = {
  '/items': 'GET, HEAD, POST, OPTIONS',
  '/items/{id}': 'GET, HEAD, PUT, DELETE, OPTIONS',
  '/tags/{slug}': 'GET, HEAD, OPTIONS'
}

async function build (t: Test, provider: Provider, order: Order, version: string): Promise<{ app: FastifyInstance, base: string }> {
  const app = Fastify()
  t.teardown(() => app.close())
  provider.prepare(app)
  const options = { openapi: { openapi: version, info: { title: 'test', version: '1.0.0' } }, ...provider.swagger } as FastifyDynamicSwaggerOptions
  if (order === 'plugin first') await app.register(fastifyAllowedMethods)
  await app.register(swagger, options)
  if (order === 'swagger first') await app.register(fastifyAllowedMethods)
  provider.routes(app)
  if (order === 'routes before the plugin') await app.register(fastifyAllowedMethods)
  await app.ready()
  return { app, base: await listen(app) }
}

const MATCHED: Exchange[] = [
  { method: 'GET', path: '/items?limit=3' },
  { method: 'GET', path: '/items?limit=0' }, // a validation error: 400
  { method: 'HEAD', path: '/items' },
  { method: 'POST', path: '/items', headers: { 'content-type': 'application/json' }, body: '{"name":"box"}' },
  { method: 'POST', path: '/items', headers: { 'content-type': 'application/json' }, body: '{"name":""}' },
  { method: 'POST', path: '/items', headers: { 'content-type': 'application/json' }, body: '{"name":' },
  { method: 'GET', path: '/items/7' },
  { method: 'GET', path: '/items/abc' },
  { method: 'PUT', path: '/items/7', headers: { 'content-type': 'application/json' }, body: '{"name":"bag"}' },
  { method: 'DELETE', path: '/items/7' },
  { method: 'GET', path: '/tags/red' },
  { method: 'GET', path: '/tags/RED' },
  { method: 'GET', path: '/internal' }
]

for (const provider of [typebox, zod]) {
  for (const version of VERSIONS) {
    test(`${provider.name}, OpenAPI ${version}`, async (t) => {
      const reference = await build(t, provider, 'without the plugin', version)
      const plain = reference.app.swagger() as Json
      let first: Json | undefined

      for (const order of ORDERS) {
        t.test(order, async (t) => {
          const { app, base } = await build(t, provider, order, version)
          const doc = app.swagger() as Json

          t.test('the document is valid, with the same paths as without the plugin', async (t) => {
            if (first === undefined) {
              t.same(await schemaErrors(doc), [], 'valid against the official schema')
              first = doc
            } else {
              t.strictSame(doc, first, `the same document as with the ${ORDERS[0]} (validated there)`)
            }
            t.strictSame(Object.keys(doc.paths), Object.keys(plain.paths))
            t.strictSame(Object.keys(doc.paths).sort(), Object.keys(EXPECTED).sort(), 'the hidden route stays out')
          })

          t.test('every documented Allow is the live OPTIONS answer', async (t) => {
            for (const [key, item] of Object.entries<Json>(doc.paths)) {
              t.ok(isOurs(item.options), `${key}: the plugin documented its OPTIONS`)
              if (!isOurs(item.options)) continue
              const url = urlOf(key)
              const live = await liveOptions(base, url)
              t.equal(live.status, 204, `OPTIONS ${url}`)
              t.equal(documentedAllow(item.options), live.allow, `${key}: documented Allow = live Allow`)
              t.equal(live.allow, EXPECTED[key])
            }
          })

          t.test('the documented 405 is the one the server sends', async (t) => {
            for (const [key, item] of Object.entries<Json>(doc.paths)) {
              if (!isOurs(item.options)) continue
              const allow = documentedAllow(item.options)
              const wrong = ['PATCH', 'TRACE'].find((method) => !allow.includes(method)) as string
              const res = await send(base, wrong, urlOf(key))
              t.equal(res.status, 405, `${wrong} ${urlOf(key)}`)
              t.equal(res.headers.allow, allow)
              for (const op of Object.keys(item).filter((field) => field !== 'options' && field !== 'parameters')) {
                t.same(item[op].responses['405'], { $ref: '#/components/responses/MethodNotAllowed' }, `${op} ${key} documents the 405`)
              }
            }
          })

          t.test('matched routes (validation errors included) answer byte-for-byte as without the plugin', async (t) => {
            await expectSameAnswers(t, base, reference.base, MATCHED)
          })
        })
      }
    })
  }
}
