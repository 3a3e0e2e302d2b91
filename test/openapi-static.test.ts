import { test } from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import { stringify } from 'yaml'
import fastifyAllowedMethods from '../lib/index'
import type { FastifyAllowedMethodsOptions } from '../lib/options'
import type { Json } from './helpers/openapi'

async function ok (): Promise<string> {
  return 'ok'
}

function routes (app: FastifyInstance): void {
  app.get('/users', ok)
  app.post('/users', ok)
  app.get('/users/:id', ok)
  app.get('/internal', { schema: { hide: true } }, ok)
}

/** Agrees with `routes`: HEAD and OPTIONS need no operation of their own. */
function agreeing (): Json {
  return {
    openapi: '3.1.0',
    info: { title: 'static', version: '1.0.0' },
    paths: {
      '/users': { get: { responses: { 200: { description: 'ok' } } }, post: { responses: { 201: { description: 'ok' } } } },
      '/users/{userId}': { get: { responses: { 200: { description: 'ok' } } } }
    }
  }
}

/** Documents a DELETE no route serves and leaves out the served POST. */
function disagreeing (): Json {
  return {
    openapi: '3.1.0',
    info: { title: 'static', version: '1.0.0' },
    paths: {
      '/users': { get: { responses: { 200: { description: 'ok' } } } },
      '/users/{userId}': { get: { responses: { 200: { description: 'ok' } } }, delete: { responses: { 204: { description: 'gone' } } } }
    }
  }
}

interface Run { app: FastifyInstance, warnings: Json[], ready: Promise<unknown> }

async function start (document: unknown, plugin: FastifyAllowedMethodsOptions = {}, order: 'plugin first' | 'swagger first' = 'plugin first', specification?: Json): Promise<Run> {
  const warnings: Json[] = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { warnings.push(JSON.parse(line)) } } } })
  const spec = specification ?? { document }
  if (order === 'swagger first') await app.register(swagger, { mode: 'static', specification: spec } as never)
  await app.register(fastifyAllowedMethods, plugin)
  if (order === 'plugin first') await app.register(swagger, { mode: 'static', specification: spec } as never)
  routes(app)
  const ready = new Promise<unknown>((resolve, reject) => { app.ready().then(resolve, reject) })
  return { app, warnings, ready }
}

for (const order of ['plugin first', 'swagger first'] as const) {
  test(`static mode, ${order}: a document that agrees is served as written, nothing logged`, async (t) => {
    const document = agreeing()
    const { app, warnings, ready } = await start(document, {}, order)
    t.teardown(() => app.close())
    await ready
    t.equal(app.swagger(), document, 'the very object the user gave')
    t.same(document, agreeing(), 'not rewritten')
    t.same(warnings, [])
  })

  test(`static mode, ${order}: disagreements are warnings; the document stays as written`, async (t) => {
    const document = disagreeing()
    const { app, warnings, ready } = await start(document, {}, order)
    t.teardown(() => app.close())
    await ready
    t.same(app.swagger(), disagreeing())
    const messages = warnings.map(w => w.msg)
    t.same(messages, [
      'fastify-allowed-methods: POST /users is served, but the document does not have it (fastify.swagger())',
      'fastify-allowed-methods: DELETE /users/{userId} is in the document, but no route serves it (fastify.swagger())'
    ])
    t.same(warnings.map(w => [w.method, w.path, w.contract]), [
      ['POST', '/users', 'served-not-documented'],
      ['DELETE', '/users/{userId}', 'documented-not-served']
    ])
  })
}

test('static mode with openapiStrict: ready() rejects with a coded error listing every difference', async (t) => {
  const { app, ready } = await start(disagreeing(), { openapiStrict: true })
  t.teardown(() => app.close())
  await t.rejects(ready, {
    code: 'FST_ALLOWED_METHODS_CONTRACT_MISMATCH',
    message: /POST \/users is served, but the document does not have it\n {2}- DELETE \/users\/\{userId\} is in the document, but no route serves it\nUpdate the document of fastify\.swagger\(\) or the routes \(without openapiStrict: true these are warnings\)/
  })
})

test('static mode with openapiStrict and a document that agrees: ready() resolves', async (t) => {
  const { app, ready } = await start(agreeing(), { openapiStrict: true })
  t.teardown(() => app.close())
  await ready
  t.pass('started')
})

test('static mode from a YAML file, under a custom decorator name', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fam-static-'))
  const file = join(dir, 'api.yaml')
  writeFileSync(file, stringify(disagreeing()))
  const warnings: Json[] = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { warnings.push(JSON.parse(line)) } } } })
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods, { openapiDecorator: 'contractDoc' })
  await app.register(swagger, { mode: 'static', decorator: 'contractDoc', specification: { path: file } } as never)
  routes(app)
  await app.ready()
  t.same(warnings.map(w => w.method + ' ' + w.path), ['POST /users', 'DELETE /users/{userId}'])
  t.match(warnings[0].msg, /\(fastify\.contractDoc\(\)\)$/)
})

test('a static document that is not OpenAPI: a warning, or with openapiStrict the coded CONTRACT_INVALID error', async (t) => {
  const lax = await start({ openapi: '4.0.0', paths: {} })
  t.teardown(() => lax.app.close())
  await lax.ready
  t.equal(lax.warnings.length, 1)
  t.match(lax.warnings[0].msg, /cannot compare the routes with the document of fastify\.swagger\(\) is not an OpenAPI 3\.0\/3\.1\/3\.2 or Swagger 2\.0 document/)

  const strict = await start({ swagger: '2.0', paths: [] }, { openapiStrict: true })
  t.teardown(() => strict.app.close())
  await t.rejects(strict.ready, { code: 'FST_ALLOWED_METHODS_CONTRACT_INVALID', message: /has a "paths" member that is not an object; fix the document given to @fastify\/swagger/ })
})

test('the mode is told apart by the decorator swagger installs (pinned: @fastify/swagger 9)', async (t) => {
  const dynamic = Fastify()
  await dynamic.register(swagger, { openapi: { info: { title: 't', version: '1' } } })
  const fixed = Fastify()
  await fixed.register(swagger, { mode: 'static', specification: { document: agreeing() } } as never)
  t.equal(dynamic.swagger.name, '', 'dynamic: an anonymous function')
  t.equal(fixed.swagger.name, 'swagger', 'static: a function named swagger')
  await dynamic.close()
  await fixed.close()
})
