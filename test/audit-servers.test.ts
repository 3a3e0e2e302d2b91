import { test } from 'tap'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { audit } from '../lib/audit/index'
import type { AuditReport, CheckResult } from '../lib/audit/index'
import { readDocumentFile } from '../lib/openapi/document'
import { buildExpressApi, buildFaultyNodeServer, closeServer, correctHandler, listenServer, reply } from './helpers/audit-servers'
import { runCli } from './helpers/audit-cli'

const fixtures = join(__dirname, 'fixtures', 'audit')

function find (results: CheckResult[], method: string, path: string, check: string): CheckResult {
  const found = results.find(r => r.method === method && r.path === path && r.check === check)
  if (found === undefined) throw new Error(`no ${method} ${path} ${check} result`)
  return found
}

test('(c) Express 5 with deliberate mistakes: the CLI reports each one (json format, exit 1)', async (t) => {
  const server = buildExpressApi()
  const base = await listenServer(server)
  t.teardown(() => closeServer(server))
  const cli = await runCli(['audit', base, '--openapi', join(fixtures, 'express-openapi.yaml'), '--format', 'json'])
  t.equal(cli.code, 1)
  t.equal(cli.stderr, `fastify-allowed-methods: using the OpenAPI document at ${join(fixtures, 'express-openapi.yaml')}\n`)
  const report = JSON.parse(cli.stdout) as AuditReport
  t.match(report, { ok: false, target: base, document: { version: 'OpenAPI 3.1.0', title: 'Express API', paths: 3 } })
  const { results } = report

  // missing Allow: Express answers a wrong method on /items with its 404, no Allow
  for (const method of ['PUT', 'DELETE', 'TRACE', 'PATCH', 'QUERY']) {
    t.match(find(results, method, '/items', 'not-allowed'), { verdict: 'fail', got: '404', reason: /answered 404 Not Found for a path that exists/ })
  }
  // OPTIONS lying: the app's own OPTIONS /items advertises DELETE
  t.match(find(results, 'OPTIONS', '/items', 'options'), {
    verdict: 'fail',
    got: '204, Allow: GET, HEAD, POST, DELETE',
    reason: 'The OPTIONS Allow lists DELETE, which the document does not have for /items.'
  })
  // HEAD advertised but not served: /reports lists HEAD in Allow, its HEAD handler refuses HEAD
  t.match(find(results, 'POST', '/reports', 'not-allowed'), { verdict: 'fail', reason: 'Allow lists HEAD, but HEAD /reports answered 405, Allow: GET, HEAD.' })
  t.match(find(results, 'HEAD', '/reports', 'head'), { verdict: 'fail', reason: /^HEAD \/reports answered 405 where GET answered 200/ })
  // 405 without Allow on /users/{id}, filled from the schema's examples
  t.match(find(results, 'DELETE', '/users/{id}', 'not-allowed'), { verdict: 'fail', url: '/users/42', got: '405, no Allow', reason: /has no Allow header: RFC 9110 section 15\.5\.6 requires one/ })
  t.match(find(results, 'PURGE', '/users/{id}', 'unknown-method'), { verdict: 'fail', reason: /The 405 for PURGE has no Allow header/ })
  // what Express gets right is not reported
  for (const path of ['/items', '/reports', '/users/{id}']) t.equal(find(results, 'GET', path, 'served').verdict, 'pass')
  t.equal(find(results, 'HEAD', '/items', 'head').verdict, 'pass')
  t.equal(find(results, 'PURGE', '/reports', 'unknown-method').verdict, 'pass')
  t.ok(results.filter(r => r.check === 'unknown-path').every(r => r.verdict === 'pass'))
})

test('(c) a plain node:http server with deliberate mistakes: each one reported (document found at /openapi.json, servers path /api)', async (t) => {
  const server = buildFaultyNodeServer(readDocumentFile(join(fixtures, 'faulty-openapi.json')))
  const base = await listenServer(server)
  t.teardown(() => closeServer(server))
  const sources: string[] = []
  const report = await audit({ baseUrl: base, onDocument: s => sources.push(s) })
  t.same(sources, [`${base}/openapi.json`])
  t.equal(report.document.basePath, '/api')
  const { results } = report
  // Allow lies: it lists DELETE, and DELETE itself gets that 405
  t.match(find(results, 'PUT', '/a', 'not-allowed'), { url: '/api/a', verdict: 'fail', reason: 'Allow lists DELETE, which the document does not have for /a.' })
  t.match(find(results, 'DELETE', '/a', 'not-allowed').reason, /Allow lists DELETE itself, the method that was just refused\./)
  // HEAD differs from GET
  t.match(find(results, 'HEAD', '/a', 'head'), { verdict: 'fail', reason: 'The content-type header differs: GET sends application/json, HEAD sends text/plain.' })
  // OPTIONS lying
  t.match(find(results, 'OPTIONS', '/a', 'options'), { verdict: 'fail', reason: /^The OPTIONS Allow lists POST, which the document does not have for \/a\. OPTIONS says Allow: GET, POST, but the 405 answers say Allow: GET, HEAD, DELETE\.$/ })
  // problem+json with the wrong status
  t.match(find(results, 'PATCH', '/a', 'problem'), { verdict: 'fail', reason: 'The problem object says "status": 400, but the HTTP status is 405.' })
  // missing Allow, OPTIONS 404, on the templated path (integer minimum 10 from a $ref parameter)
  t.match(find(results, 'POST', '/b/{id}', 'not-allowed'), { url: '/api/b/10', verdict: 'fail', got: '405, no Allow' })
  t.match(find(results, 'OPTIONS', '/b/{id}', 'options'), { verdict: 'fail', got: '404, no Allow' })
  // PURGE 404, and 501 where it is right
  t.match(find(results, 'PURGE', '/a', 'unknown-method'), { verdict: 'fail', got: '404' })
  t.equal(find(results, 'PURGE', '/b/{id}', 'unknown-method').verdict, 'pass')
  // the catch-all answers an unknown path
  t.match(find(results, 'GET', '/api/fastify-allowed-methods-audit-404', 'unknown-path'), { verdict: 'fail', reason: /answered 200: a route \(a catch-all\?\) serves it/ })
  // what it gets right passes
  t.equal(find(results, 'PUT', '/b/{id}', 'served').verdict, 'pass')
  t.equal(find(results, 'HEAD', '/b/{id}', 'head').verdict, 'pass')

  // the same through the CLI, as TAP for a CI log
  const cli = await runCli(['audit', base, '--format', 'tap'])
  t.equal(cli.code, 1)
  t.match(cli.stdout, /^TAP version 14\n# fastify-allowed-methods audit of http:\/\/127\.0\.0\.1:\d+ against http:\/\/127\.0\.0\.1:\d+\/openapi\.json \(OpenAPI 3\.0\.3\)\n1\.\.29\n/)
  t.match(cli.stdout, /\nnot ok \d+ - OPTIONS \/a: options\n {2}---\n {2}url: \/api\/a\n {2}expected: "2xx with the Allow of the 405 answers: GET, HEAD, DELETE"\n {2}got: "200, Allow: GET, POST"\n {2}reason: /)
  t.match(cli.stdout, /\nok \d+ - PUT \/b\/\{id\}: served\n/)
  t.match(cli.stdout, /\n# checks 29, passed 5, failed 24, paths 2, requests 23\n$/)
})

test('a correct node:http server with a Swagger 2.0 document (basePath /v2) is clean', async (t) => {
  const handler = correctHandler({
    '/v2/pets': { GET: reply(200, []), POST: reply(201) },
    '/v2/pets/[^/]+': { GET: reply(200), DELETE: reply(204) }
  }, readDocumentFile(join(fixtures, 'pets-swagger.json')), '/swagger.json')
  const server = createServer(handler)
  const base = await listenServer(server)
  t.teardown(() => closeServer(server))
  const report = await audit({ baseUrl: base })
  t.equal(report.document.source, `${base}/swagger.json`)
  t.same(report.results.filter(r => r.verdict === 'fail'), [])
  t.ok(report.results.some(r => r.url === '/v2/pets/7'))
  t.equal(report.summary.requests, 2 * 10 + 3)
})

test('discovery under a base URL with a path: first under that path, then at the root', async (t) => {
  const handler = correctHandler({ '/api/v2/pets': { GET: reply(200, []), POST: reply(201) }, '/api/v2/pets/[^/]+': { GET: reply(200), DELETE: reply(204) } },
    readDocumentFile(join(fixtures, 'pets-swagger.json')), '/swagger.json')
  const server = createServer(handler)
  const base = await listenServer(server)
  t.teardown(() => closeServer(server))
  const sources: string[] = []
  const report = await audit({ baseUrl: `${base}/api`, onDocument: s => sources.push(s) })
  t.same(sources, [`${base}/swagger.json`])
  t.equal(report.target, `${base}/api`)
  t.same(report.results.filter(r => r.verdict === 'fail'), [])
  t.ok(report.results.some(r => r.url === '/api/v2/pets/7'))
})
