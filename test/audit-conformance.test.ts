import { test } from 'tap'
import { readFileSync } from 'node:fs'
import type { CheckName } from '../lib/audit/index'
import { auditFrameworks, verdictCounts } from './fixtures/frameworks/run'
import { CONFORMANCE_DOC, verdictRow } from '../scripts/conformance'

// The audit against real frameworks (docs/conformance.md): the same small API written idiomatically
// in each (test/fixtures/frameworks/), audited over HTTP. Each figure is [failed, checks] per check:
// what a person who knows the framework expects it to get wrong, and nothing else.
type Counts = Partial<Record<CheckName, [number, number]>>

/** 3 paths x (GET, POST, PUT, DELETE, TRACE, PATCH, QUERY, HEAD, OPTIONS, PURGE) + 3 unknown-path requests. */
const BASE: Counts = { served: [0, 6], 'not-allowed': [0, 15], options: [0, 3], head: [0, 3], 'unknown-method': [0, 3], 'unknown-path': [0, 3] }
/** Every wrong method a 404 (15 not-allowed), PURGE a 404 (3 unknown-method). */
const WRONG_METHODS_404: Counts = { 'not-allowed': [15, 15], 'unknown-method': [3, 3] }
/** OPTIONS a 404 too (no automatic OPTIONS). */
const NO_OPTIONS: Counts = { options: [3, 3] }

const EXPECTED: Record<string, { counts: Counts, failed: number, checks: number }> = {
  // 404 for wrong methods and PURGE; its automatic OPTIONS (200, Allow) and HEAD pass
  express: { counts: { ...BASE, ...WRONG_METHODS_404 }, failed: 18, checks: 33 },
  // allowedMethods(): 405 + Allow, 501 for methods it does not know (TRACE, QUERY, PURGE), OPTIONS 200
  koa: { counts: BASE, failed: 0, checks: 33 },
  // 405 + Allow for every wrong method, but OPTIONS answers 405 and HEAD is not served for GET routes
  restify: { counts: { ...BASE, options: [3, 3], head: [3, 3] }, failed: 6, checks: 33 },
  hapi: { counts: { ...BASE, ...WRONG_METHODS_404, ...NO_OPTIONS }, failed: 21, checks: 33 },
  hono: { counts: { ...BASE, ...WRONG_METHODS_404, ...NO_OPTIONS }, failed: 21, checks: 33 },
  h3: { counts: { ...BASE, ...WRONG_METHODS_404, ...NO_OPTIONS }, failed: 21, checks: 33 },
  // polka 0.5 does not answer HEAD for GET routes either
  polka: { counts: { ...BASE, ...WRONG_METHODS_404, ...NO_OPTIONS, head: [3, 3] }, failed: 24, checks: 33 },
  // QUERY is a 400 (no route, no body parser for it), the rest 404
  fastify: { counts: { ...BASE, ...WRONG_METHODS_404, ...NO_OPTIONS }, failed: 21, checks: 33 },
  // every 405 (15) and 501 (3) is problem+json: 18 more checks, all passing
  'fastify-allowed-methods': { counts: { ...BASE, problem: [0, 18] }, failed: 0, checks: 51 }
}

test('every framework of the conformance table answers as expected, and docs/conformance.md says so', async (t) => {
  const measured = await auditFrameworks()
  const doc = readFileSync(CONFORMANCE_DOC, 'utf8')
  t.same(measured.map(m => m.framework.key), Object.keys(EXPECTED), 'the frameworks of the table, in order')
  for (const entry of measured) {
    const { framework, report } = entry
    const expected = EXPECTED[framework.key]
    const counts = Object.fromEntries(Object.entries(verdictCounts(report)).map(([check, c]) => [check, [c.failed, c.checks]]))
    const failures = report.results.filter(r => r.verdict === 'fail').map(r => `${r.method} ${r.url} ${r.check}: ${r.got}`)
    t.same(counts, expected.counts, `${framework.label}: verdicts per check`, { failures })
    t.equal(report.summary.failed, expected.failed, `${framework.label}: failed checks`)
    t.equal(report.summary.checks, expected.checks, `${framework.label}: checks`)
    t.equal(report.ok, expected.failed === 0)
    // nothing timed out or failed to connect: every verdict is about an answer
    t.notOk(report.results.some(r => r.got.startsWith('no answer')), `${framework.label}: every request answered`)
    t.ok(doc.includes(verdictRow(entry)), `${framework.label}: docs/conformance.md has this row (npm run conformance)`)
  }
})
