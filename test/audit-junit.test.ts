import { test } from 'tap'
import type { Test } from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { audit, formatReport } from '../lib/audit/index'
import type { AuditReport, CheckResult } from '../lib/audit/index'
import { readDocumentFile } from '../lib/openapi/document'
import { main } from '../lib/cli'
import fastifyAllowedMethods from '../lib/index'
import { captureIO } from './helpers/audit-cli'
import { buildExpressApi, buildFaultyNodeServer, closeServer, listenServer } from './helpers/audit-servers'

// --format junit (issue 10, item 8): JUnit XML that CI servers read, checked with a real XML parser.

const fixtures = join(__dirname, 'fixtures', 'audit')

type Attributes = Record<string, string>
interface Counts { name: string, tests: string, failures: string, errors: string, skipped: string, time: string }
interface Testcase { name: string, classname: string, time: string, failure?: Attributes, error?: Attributes }
interface Suite extends Counts { testcase: Testcase[] }
interface Parsed { testsuites: Counts & { testsuite: Suite[] } }

/** Parses JUnit XML the way CI readers do: attributes as strings, suites and cases always lists. */
function parseJunit (xml: string): Parsed {
  const valid = XMLValidator.validate(xml)
  if (valid !== true) throw new Error(`invalid XML: ${JSON.stringify(valid.err)}`)
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    textNodeName: 'text',
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    htmlEntities: true,
    isArray: name => name === 'testsuite' || name === 'testcase'
  })
  return parser.parse(xml) as Parsed
}

/** The counts of a JUnit document agree with its cases, suite by suite and in total. */
function checkCounts (t: Test, parsed: Parsed): void {
  const { testsuites } = parsed
  let tests = 0
  let failures = 0
  let errors = 0
  for (const suite of testsuites.testsuite) {
    const cases = suite.testcase
    t.equal(Number(suite.tests), cases.length, `${suite.name}: tests`)
    t.equal(Number(suite.failures), cases.filter(c => c.failure !== undefined).length, `${suite.name}: failures`)
    t.equal(Number(suite.errors), cases.filter(c => c.error !== undefined).length, `${suite.name}: errors`)
    t.equal(suite.skipped, '0')
    t.match(suite.time, /^\d+(\.\d+)?$/)
    for (const c of cases) t.match(c.time, /^\d+(\.\d+)?$/)
    tests += cases.length
    failures += Number(suite.failures)
    errors += Number(suite.errors)
  }
  t.equal(Number(testsuites.tests), tests, 'tests in all')
  t.equal(Number(testsuites.failures), failures, 'failures in all')
  t.equal(Number(testsuites.errors), errors, 'errors in all')
  t.equal(testsuites.skipped, '0')
  t.match(testsuites.time, /^\d+\.\d{3}$/)
}

test('a faulty server: one testsuite per path, one testcase per check, a failure with the reason', async (t) => {
  const server = buildFaultyNodeServer(readDocumentFile(join(fixtures, 'faulty-openapi.json')))
  const base = await listenServer(server)
  t.teardown(() => closeServer(server))
  const report = await audit({ baseUrl: base })
  const xml = formatReport(report, 'junit')
  t.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites '))
  const parsed = parseJunit(xml)
  checkCounts(t, parsed)
  const { testsuites } = parsed
  t.equal(Number(testsuites.tests), report.summary.checks)
  t.equal(Number(testsuites.failures), report.summary.failed)
  t.equal(testsuites.errors, '0')
  t.equal(testsuites.name, `fastify-allowed-methods audit of ${base} against ${base}/openapi.json (OpenAPI 3.0.3)`)
  const paths = [...new Set(report.results.map(r => r.path))]
  t.same(testsuites.testsuite.map(s => s.name), paths, 'one testsuite per path, in report order')
  // every check is a testcase named by method and check, classname the path
  const byName = new Map<string, Testcase>()
  for (const suite of testsuites.testsuite) {
    for (const c of suite.testcase) {
      t.equal(c.classname, suite.name)
      byName.set(`${c.classname} ${c.name}`, c)
    }
  }
  for (const result of report.results) {
    const c = byName.get(`${result.path} ${result.method} ${result.check}`) as Testcase
    t.ok(c, `${result.method} ${result.path} ${result.check}`)
    if (result.verdict === 'pass') {
      t.equal(c.failure, undefined)
      continue
    }
    const failure = c.failure as Attributes
    t.equal(failure.message, result.reason)
    t.equal(failure.type, result.check)
    t.equal(failure.text, `${result.method} ${result.url}\nexpected: ${result.expected}\ngot: ${result.got}\nreason: ${result.reason}`)
  }
})

test('escaping: markup, quotes, line breaks and characters XML cannot carry', async (t) => {
  const nasty = 'a <b> & "c" \'d\' \u0001\u0008\u000B\u001F\uFFFE tab\tline\nret\r end \uD800 lone, pair \uD83D\uDE00, ]]> done'
  const result: CheckResult = { path: `/x/${nasty}`, url: '/x/%01', method: 'GET', check: 'served', expected: nasty, got: nasty, verdict: 'fail', reason: nasty }
  const report: AuditReport = {
    target: 'in-process',
    document: { source: '(object)', version: 'OpenAPI 3.1.0', title: nasty, basePath: '', paths: 1 },
    results: [result, { ...result, method: 'HEAD', check: 'head', verdict: 'pass', reason: 'ok' }],
    summary: { checks: 2, passed: 1, failed: 1, paths: 1, failingPaths: 1, requests: 10, durationMs: 1234 },
    ok: false
  }
  const xml = formatReport(report, 'junit')
  // eslint-disable-next-line no-control-regex
  t.notMatch(xml, /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/, 'no raw control character but tab, LF, CR')
  const parsed = parseJunit(xml)
  checkCounts(t, parsed)
  t.equal(parsed.testsuites.time, '1.234')
  const shown = 'a <b> & "c" \'d\' \\u0001\\u0008\\u000b\\u001f\\ufffe tab\tline\nret\r end \\ud800 lone, pair \uD83D\uDE00, ]]> done'
  const suite = parsed.testsuites.testsuite[0]
  t.equal(suite.name, `/x/${shown}`)
  const failure = suite.testcase[0].failure as Attributes
  t.equal(failure.message, shown, 'attribute: tab, LF and CR kept as references')
  t.equal(failure.text, `GET /x/%01\nexpected: ${shown}\ngot: ${shown}\nreason: ${shown}`)
})

test('the CLI: --format junit exits 0 clean, 1 on violations, 2 incomplete (with an error testcase)', async (t) => {
  const app = Fastify()
  await app.register(fastifyAllowedMethods)
  app.get('/a', async () => 'a')
  app.delete('/slow', async () => new Promise(resolve => setTimeout(() => resolve('late'), 3000)))
  app.get('/slow', async () => 'ok')
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const dir = mkdtempSync(join(tmpdir(), 'junit-'))
  const write = (name: string, paths: string[]): string => {
    const file = join(dir, name)
    writeFileSync(file, JSON.stringify({ openapi: '3.1.0', paths: Object.fromEntries(paths.map(p => [p, { get: {}, ...(p === '/slow' ? { delete: {} } : {}) }])) }))
    return file
  }
  const clean = captureIO()
  t.equal(await main(['audit', base, '--openapi', write('clean.json', ['/a']), '--format', 'junit'], clean), 0)
  const cleanXml = parseJunit(clean.out())
  checkCounts(t, cleanXml)
  t.equal(cleanXml.testsuites.failures, '0')

  const express = buildExpressApi()
  const expressBase = await listenServer(express)
  t.teardown(() => closeServer(express))
  const violations = captureIO()
  t.equal(await main(['audit', expressBase, '--openapi', join(fixtures, 'express-openapi.yaml'), '--format', 'junit'], violations), 1)
  const violationsXml = parseJunit(violations.out())
  checkCounts(t, violationsXml)
  t.ok(Number(violationsXml.testsuites.failures) > 0)

  const incomplete = captureIO()
  t.equal(await main(['audit', base, '--openapi', write('slow.json', ['/a', '/slow']), '--format', 'junit', '--deadline', '1500', '--concurrency', '50'], incomplete), 2)
  const incompleteXml = parseJunit(incomplete.out())
  checkCounts(t, incompleteXml)
  t.equal(incompleteXml.testsuites.errors, '1')
  const last = incompleteXml.testsuites.testsuite[incompleteXml.testsuites.testsuite.length - 1]
  t.equal(last.name, '(incomplete audit)')
  t.match(last.testcase[0].error, { type: 'incomplete', message: /^the audit is incomplete: the deadline \(1500 ms\) passed with 1 request of 23 not answered$/, text: /\nnot checked: \/slow$/ })
  t.notOk(incompleteXml.testsuites.testsuite.some(s => s.name === '/slow'), '/slow is not reported as checked')
  t.match(incomplete.err(), /the audit is incomplete/)
})
