import { test } from 'tap'
import { createServer } from 'node:http'
import Fastify from 'fastify'
import { audit } from '../lib/audit/index'
import type { AuditOptions } from '../lib/audit/index'
import { main, parseCommand } from '../lib/cli'
import { captureIO } from './helpers/audit-cli'
import { correctHandler, reply, serveDuring } from './helpers/audit-servers'

// --base-path / basePath (issue 10, item 6): the path prefix of the documented paths on the audited
// server replaces the one the document names (servers[0].url, Swagger's basePath).

const items = { get: { responses: { 200: { description: 'ok' } } }, post: { responses: { 201: { description: 'created' } } } }
const oas = { openapi: '3.1.0', info: { title: 'Shop', version: '2' }, servers: [{ url: 'https://api.example.com/v2' }], paths: { '/items': items, '/items/{id}': { get: { parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }], responses: { 200: { description: 'ok' } } } } } }
const swagger = { swagger: '2.0', info: { title: 'Shop', version: '1' }, basePath: '/v1', paths: { '/items': items } }

const rootRoutes = {
  '/items': { GET: reply(200, []), POST: reply(201) },
  '/items/[^/]+': { GET: reply(200) }
}

test('a mock served at the root: the document\'s /v2 fails every check, --base-path / is clean', async (t) => {
  const seen: string[] = []
  const handler = correctHandler(rootRoutes, oas, '/openapi.json')
  const base = await serveDuring(t, createServer((req, res) => {
    seen.push(req.url as string)
    handler(req, res)
  }))
  const withDocumentBase = await audit({ baseUrl: base, openapi: oas })
  t.equal(withDocumentBase.document.basePath, '/v2')
  t.equal(withDocumentBase.ok, false, 'the mock has no /v2')
  t.ok(seen.includes('/v2/items'))

  seen.length = 0
  const report = await audit({ baseUrl: base, openapi: oas, basePath: '/' })
  t.equal(report.ok, true)
  t.equal(report.document.basePath, '', 'the report names the prefix used')
  t.ok(seen.length > 0 && seen.every(url => !url.startsWith('/v2')), 'nothing under /v2 was requested')
  t.same([...new Set(report.results.map(r => r.url))], ['/items', '/items/1', '/fastify-allowed-methods-audit-404'])

  // the CLI, with the document discovered on the mock
  const run = captureIO()
  t.equal(await main(['audit', base, '--base-path', '/'], run), 0)
  t.match(run.out(), /✔ \d+ checks passed on 2 paths/)
  t.notMatch(run.out(), /base path/)
})

test('Swagger 2.0 basePath, and another prefix: the option replaces it; the base URL\'s own path still comes first', async (t) => {
  const seen: string[] = []
  const under = (prefix: string): Record<string, typeof rootRoutes['/items']> => ({ [`${prefix}/items`]: rootRoutes['/items'] })
  const handler = correctHandler({ ...under('/gateway/shop'), ...under('/v1') }, swagger, '/swagger.json')
  const base = await serveDuring(t, createServer((req, res) => {
    seen.push(req.url as string)
    handler(req, res)
  }))
  const v1 = await audit({ baseUrl: base, openapi: swagger })
  t.equal(v1.ok, true)
  t.equal(v1.document.basePath, '/v1')

  seen.length = 0
  const cases: Array<[AuditOptions, string]> = [
    [{ baseUrl: `${base}/gateway`, basePath: '/shop' }, '/gateway/shop/items'],
    [{ baseUrl: `${base}/gateway`, basePath: '/shop/' }, '/gateway/shop/items'],
    [{ baseUrl: `${base}/gateway/shop`, basePath: '' }, '/gateway/shop/items']
  ]
  for (const [options, url] of cases) {
    const report = await audit({ ...options, openapi: swagger })
    t.equal(report.ok, true, JSON.stringify(options))
    t.equal(report.results[0].url, url)
  }
  t.ok(seen.every(url => !url.startsWith('/v1')), 'the document\'s /v1 was never used')
})

test('in-process: basePath for app.inject() too', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/items', async () => [])
  app.post('/items', async () => ({}))
  const report = await audit({ app, openapi: swagger, basePath: '/' })
  t.same([...new Set(report.results.map(r => r.url))], ['/items', '/fastify-allowed-methods-audit-404'])
})

test('a basePath that is not a path is refused, in the API and on the command line', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  for (const basePath of ['v2', 'https://api.example.com/v2', '/a?b', '/a#b', '/a b', '/a\u0000', 5, null]) {
    await t.rejects(audit({ app, openapi: oas, basePath } as unknown as AuditOptions), {
      code: 'FST_ALLOWED_METHODS_AUDIT_OPTION',
      message: `fastify-allowed-methods audit: option "basePath" must be a path starting with "/" (use "/" for the root), got ${JSON.stringify(basePath)}`
    })
  }
  const run = captureIO()
  t.equal(await main(['audit', 'http://127.0.0.1:1', '--base-path', 'v2'], run), 2)
  t.equal(run.err(), 'fastify-allowed-methods: option "basePath" must be a path starting with "/" (use "/" for the root), got "v2"\n')
  t.match(parseCommand(['audit', 'http://x', '--base-path', '/']), { options: { basePath: '/' } })
})
