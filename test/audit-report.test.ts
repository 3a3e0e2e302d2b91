import { test } from 'tap'
import { formatReport } from '../lib/audit/index'
import type { AuditReport } from '../lib/audit/index'
import { progressBar } from '../lib/audit/report/progress'

const report: AuditReport = {
  target: 'in-process',
  document: { source: '(object)', version: 'OpenAPI 3.1.0', basePath: '', paths: 1 },
  results: [
    { path: '/empty', url: '/empty', method: 'GET', check: 'not-allowed', expected: '405 with Allow: (HEAD and OPTIONS may be added)', got: '405, Allow: OPTIONS', verdict: 'pass', reason: 'ok' },
    { path: '/empty', url: '/empty', method: 'PURGE', check: 'unknown-method', expected: '501, or 405 with Allow', got: '501', verdict: 'pass', reason: 'ok' }
  ],
  summary: { checks: 2, passed: 2, failed: 0, paths: 1, failingPaths: 0, requests: 12, durationMs: 5 },
  ok: true
}

test('table: no title, no base path, a path without documented methods', async (t) => {
  t.equal(formatReport(report), [
    'fastify-allowed-methods audit of in-process',
    'document: (object) (OpenAPI 3.1.0, 1 paths)',
    '',
    '/empty documented: none',
    '  ✔ GET      405, Allow: OPTIONS',
    '  ✔ PURGE    501',
    '',
    '✔ 2 checks passed on 1 paths (12 requests, 5 ms)',
    ''
  ].join('\n'))
  t.equal(formatReport(report, 'table', { colour: false }), formatReport(report))
})

test('json is the report itself; tap has a plan and a summary comment', async (t) => {
  t.same(JSON.parse(formatReport(report, 'json')), report)
  t.equal(formatReport(report, 'tap'), [
    'TAP version 14',
    '# fastify-allowed-methods audit of in-process against (object) (OpenAPI 3.1.0)',
    '1..2',
    'ok 1 - GET /empty: not-allowed',
    'ok 2 - PURGE /empty: unknown-method',
    '# checks 2, passed 2, failed 0, paths 1, requests 12',
    ''
  ].join('\n'))
})

test('progress bar: redrawn only when it grows, 80 columns when the stream does not say, erased by done()', async (t) => {
  let out = ''
  const bar = progressBar({ write: (text: string) => { out += text } })
  bar.done()
  t.equal(out, '', 'nothing to erase before the first draw')
  for (let i = 1; i <= 200; i++) bar.update(i, 200)
  const frames = out.split('\r').filter(Boolean)
  t.equal(frames.length, 42, 'one frame per step of a 40-wide bar, from the empty one, and the final count')
  t.equal(frames[frames.length - 1], `[${'#'.repeat(40)}] 200/200 requests`)
  bar.done()
  t.ok(out.endsWith('\r\u001b[2K'))
  let narrow = ''
  progressBar({ write: (text: string) => { narrow += text }, columns: 20 }).update(1, 2)
  t.equal(narrow, `\r[${'#'.repeat(5)}${'-'.repeat(5)}] 1/2 requests`)
})
