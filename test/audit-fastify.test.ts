import { test } from 'tap'
import Fastify from 'fastify'
import swagger from '@fastify/swagger'
import { join } from 'node:path'
import fastifyAllowedMethods from '../lib/index'
import { audit } from '../lib/audit/index'
import type { CheckResult } from '../lib/audit/index'
import { buildFastifyApi } from './helpers/audit-servers'
import { runCli } from './helpers/audit-cli'
import { listen } from './helpers/http'

const DOCUMENTED: Record<string, string[]> = {
  '/items': ['GET', 'POST'],
  '/items/{id}': ['GET', 'PUT', 'DELETE'],
  '/reports/{kind}': ['GET'],
  '/health': ['GET']
}
const STANDARD = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']

function failures (results: CheckResult[]): string[] {
  return results.filter(r => r.verdict === 'fail').map(r => `${r.method} ${r.path} ${r.check}`).sort()
}

/** What plain fastify gets wrong on every documented path: each undocumented method, OPTIONS and PURGE. */
function plainFastifyViolations (): string[] {
  const out: string[] = []
  for (const [path, methods] of Object.entries(DOCUMENTED)) {
    for (const method of STANDARD) {
      if (methods.includes(method) || method === 'HEAD') continue
      out.push(`${method} ${path} ${method === 'OPTIONS' ? 'options' : 'not-allowed'}`)
    }
    out.push(`PURGE ${path} unknown-method`)
  }
  return out.sort()
}

test('(a) in-process: a Fastify app with fastify-allowed-methods and @fastify/swagger is clean', async (t) => {
  const app = await buildFastifyApi(true)
  t.teardown(() => app.close())
  const sources: string[] = []
  const report = await audit({ app, onDocument: s => sources.push(s) })
  t.same(failures(report.results), [])
  t.equal(report.ok, true)
  t.same(sources, ['app.swagger()'])
  t.match(report, { target: 'in-process', document: { source: 'app.swagger()', version: /^OpenAPI 3\./, title: 'Items API', basePath: '', paths: 4 } })
  t.equal(report.summary.failed, 0)
  t.equal(report.summary.passed, report.results.length)
  t.equal(report.summary.requests, 4 * 10 + 3)
  // every documented method was served, every other standard method got a checked 405
  for (const [path, methods] of Object.entries(DOCUMENTED)) {
    for (const method of methods) t.ok(report.results.some(r => r.path === path && r.method === method && r.check === 'served'), `${method} ${path} served`)
    t.equal(report.results.filter(r => r.path === path && r.check === 'not-allowed').length, STANDARD.length - methods.length - 2)
    t.ok(report.results.some(r => r.path === path && r.check === 'head' && r.verdict === 'pass'))
  }
  // the filled parameters: the integer minimum and the enum
  t.ok(report.results.some(r => r.url === '/items/1'))
  t.ok(report.results.some(r => r.url === '/reports/daily'))
  // the hidden route is not in the document, so it is not audited
  t.notOk(report.results.some(r => r.path.includes('metrics')))
})

test('(b) in-process: the same app without the plugin, every violation found and explained', async (t) => {
  const app = await buildFastifyApi(false)
  t.teardown(() => app.close())
  const report = await audit({ app })
  t.equal(report.ok, false)
  t.same(failures(report.results), plainFastifyViolations())
  t.equal(report.summary.failingPaths, 4)
  const byKey = (method: string, path: string, check: string): CheckResult => report.results.find(r => r.method === method && r.path === path && r.check === check) as CheckResult
  t.match(byKey('PATCH', '/items', 'not-allowed'), {
    expected: '405 with Allow: GET, POST (HEAD and OPTIONS may be added)',
    got: '404',
    reason: /^PATCH is not documented for \/items, but the server answered 404 Not Found for a path that exists/
  })
  t.match(byKey('QUERY', '/health', 'not-allowed'), { got: '400', reason: /answered 400 instead of 405 Method Not Allowed/ })
  t.match(byKey('OPTIONS', '/items/{id}', 'options'), { url: '/items/1', got: '404, no Allow', reason: /^OPTIONS \/items\/1 answered 404: OPTIONS should tell a client which methods \/items\/\{id\} supports/ })
  t.match(byKey('PURGE', '/reports/{kind}', 'unknown-method'), { got: '404', reason: /where 501 Not Implemented \(RFC 9110 section 15\.6\.2\) or 405 with Allow is expected/ })
  // what plain fastify gets right still passes
  t.equal(byKey('GET', '/items', 'served').verdict, 'pass')
  t.equal(byKey('HEAD', '/items', 'head').verdict, 'pass')
  t.ok(report.results.filter(r => r.check === 'unknown-path').every(r => r.verdict === 'pass'))
  for (const result of report.results) t.ok(result.reason.length > 20, `${result.method} ${result.path} ${result.check} has a reason`)
})

test('over HTTP: the document is found at /documentation/json, and the CLI exits 0 for (a), 1 for (b)', async (t) => {
  for (const withPlugin of [true, false]) {
    const app = await buildFastifyApi(withPlugin)
    t.teardown(() => app.close())
    const base = await listen(app)
    const sources: string[] = []
    const report = await audit({ baseUrl: base, onDocument: s => sources.push(s), concurrency: 4 })
    t.same(sources, [`${base}/documentation/json`])
    t.equal(report.target, base)
    t.same(failures(report.results), withPlugin ? [] : plainFastifyViolations())

    const cli = await runCli(['audit', base])
    t.equal(cli.code, withPlugin ? 0 : 1)
    t.equal(cli.stderr, `fastify-allowed-methods: using the OpenAPI document at ${base}/documentation/json\n`)
    t.match(cli.stdout, `fastify-allowed-methods audit of ${base}\n`)
    t.match(cli.stdout, /\/items\/\{id\} → \/items\/1 documented: GET, PUT, DELETE/)
    t.notOk(cli.stdout.includes('\u001b['), 'no colour when stdout is not a terminal')
    if (withPlugin) {
      t.match(cli.stdout, /✔ PUT {6}405, Allow: GET, HEAD, POST, OPTIONS/)
      t.match(cli.stdout, /\n✔ \d+ checks passed on 4 paths \(43 requests, \d+ ms\)\n$/)
    } else {
      t.match(cli.stdout, /✘ PUT {6}404\n {6}not-allowed: PUT is not documented for \/items, but the server answered 404 Not Found/)
      t.match(cli.stdout, new RegExp(`\\n✘ ${plainFastifyViolations().length} of ${report.results.length} checks failed, on 4 of 4 paths \\(43 requests, \\d+ ms\\)\\n$`))
    }
  }
})

test('servers: the path of servers[0].url goes in front of every documented path', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  await app.register(swagger, { openapi: { info: { title: 'Prefixed', version: '1' }, servers: [{ url: 'http://localhost:3000/api/v1' }] } })
  await app.register(async (api) => {
    api.get('/things', async () => [])
    api.delete('/things/:id', async () => ({}))
  }, { prefix: '/api/v1' })
  const report = await audit({ app })
  t.equal(report.document.basePath, '/api/v1')
  t.same(failures(report.results), [])
  t.ok(report.results.some(r => r.path === '/things' && r.url === '/api/v1/things'))
  t.ok(report.results.some(r => r.check === 'unknown-path' && r.url === '/api/v1/fastify-allowed-methods-audit-404'))
  // a base URL that already ends with the server path is not prefixed twice
  const base = await listen(app)
  const http = await audit({ baseUrl: `${base}/api/v1/`, openapi: app.swagger() as Record<string, unknown> })
  t.same(failures(http.results), [])
  t.ok(http.results.some(r => r.url === '/api/v1/things'))
})

test('in-process without @fastify/swagger: the usual locations through inject, or the openapi option', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  await app.register(async (v2) => {
    v2.get('/pets', async () => [])
    v2.post('/pets', async (_request, reply) => reply.code(201).send({}))
    v2.get('/pets/:petId', async () => ({}))
    v2.delete('/pets/:petId', async (_request, reply) => reply.code(204).send())
  }, { prefix: '/v2' })
  app.get('/openapi.json', { config: { allow: { hide: true } } }, async () => 'not json: {')
  await t.rejects(audit({ app }), {
    code: 'FST_ALLOWED_METHODS_AUDIT_DOCUMENT',
    message: /^fastify-allowed-methods audit: no OpenAPI document found at \/documentation\/json \(404\), \/openapi\.json \(is neither valid JSON nor valid YAML: .*\), \/swagger\.json \(404\); pass its file or URL with --openapi/
  })
  // Swagger 2.0, basePath /v2, an x-example for one definition of petId
  const file = join(__dirname, 'fixtures', 'audit', 'pets-swagger.json')
  const report = await audit({ app, openapi: file })
  t.match(report.document, { source: file, version: 'Swagger 2.0', basePath: '/v2', paths: 2 })
  t.same(failures(report.results), [])
  t.ok(report.results.some(r => r.url === '/v2/pets/7' && r.method === 'DELETE' && r.check === 'served'))
})
