import { test } from 'tap'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { audit } from '../lib/audit/index'
import type { CheckResult } from '../lib/audit/index'
import { buildDemoApp, startDemo } from './helpers/demo'
import { send } from './helpers/http'

const ROOT = join(__dirname, '..')

test('npm run demo -- --once prints the table of answers and exits', { timeout: 120_000 }, async (t) => {
  await startDemo(t) // builds dist/ when needed, proves the long-running mode starts
  const out = execFileSync(process.execPath, ['demo/index.js', '--once'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
  const rows = new Map<string, string[]>()
  for (const line of out.split('\n')) {
    const cells = line.split('|').slice(1, -1).map(c => c.trim())
    if (cells.length === 5) rows.set(cells[0], cells)
  }
  const expect: Array<[string, string, string]> = [
    ['GET /items', '200', ''],
    ['DELETE /items', '405', 'GET, HEAD, POST, OPTIONS'],
    ['POST /items/1?dry=1', '405', 'GET, HEAD, PUT, OPTIONS, PATCH'],
    ['OPTIONS /items/1', '204', 'GET, HEAD, PUT, OPTIONS, PATCH'],
    ['HEAD /health', '200', ''],
    ['POST /health', '405', 'GET, HEAD, OPTIONS'],
    ['PURGE /items', '501', ''],
    ['GET /nothing/here', '404', ''],
    ['OPTIONS *', '204', 'GET, HEAD, POST, PUT, OPTIONS, PATCH'],
    ['OPTIONS /items (preflight for DELETE)', '204', ''],
    ['OPTIONS /items/1 (preflight for PUT)', '204', '']
  ]
  for (const [request, status, allow] of expect) {
    const row = rows.get(request)
    t.ok(row, `row for ${request}`)
    t.equal(row?.[1], status, `${request} status`)
    t.equal(row?.[2], allow, `${request} Allow`)
  }
  t.match(rows.get('DELETE /items')?.[3], /"title":"Method Not Allowed","status":405/)
  t.match(rows.get('PURGE /items')?.[3], /"title":"Not Implemented","status":501/)
  t.equal(rows.get('OPTIONS /items (preflight for DELETE)')?.[3], 'access-control-allow-methods: GET, HEAD, POST', 'no DELETE: the browser stops')
  t.equal(rows.get('OPTIONS /items/1 (preflight for PUT)')?.[3], 'access-control-allow-methods: GET, HEAD, PUT, PATCH', 'the hidden DELETE is not told either')
  t.equal(rows.get('OPTIONS /items/1')?.[3], 'accept-patch: application/merge-patch+json; link: </documentation/json>; rel="service-desc"', 'the OPTIONS extras')
  t.equal(rows.get('OPTIONS *')?.[3], 'link: </documentation/json>; rel="service-desc"')
})

function failures (results: CheckResult[]): string[] {
  return results.filter(r => r.verdict === 'fail').map(r => `${r.method} ${r.path} ${r.check}`)
}

test('without --once the demo keeps serving', { timeout: 60_000 }, async (t) => {
  const base = await startDemo(t)
  const res = await send(base, 'DELETE', '/items')
  t.equal(res.status, 405)
  t.equal(res.headers.allow, 'GET, HEAD, POST, OPTIONS')
  // over HTTP the document fetched from /documentation/json cannot say that DELETE /items/{id} is
  // hidden on purpose: a served method it leaves out is a violation, as for any server
  const remote = await audit({ baseUrl: base })
  t.equal(remote.document.source, base + '/documentation/json')
  t.same(failures(remote.results), ['DELETE /items/{id} not-allowed'])
})

test('audit({ app }) of the demo is clean: the hidden DELETE /items/:id is known to be hidden', { timeout: 60_000 }, async (t) => {
  const app = await buildDemoApp()
  t.teardown(() => app.close())
  const report = await audit({ app })
  t.equal(report.document.source, 'app.swagger()')
  t.same(failures(report.results), [])
  t.equal(report.ok, true)
  t.match(report.results.find(r => r.method === 'DELETE' && r.path === '/items/{id}'), {
    check: 'not-allowed',
    verdict: 'pass',
    got: /^204/,
    reason: /config\.allow\.hide: true/
  })
})
