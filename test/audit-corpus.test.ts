import { test } from 'tap'
import { join } from 'node:path'
import { audit } from '../lib/audit/index'
import type { AuditReport } from '../lib/audit/index'
import { closeServer, listenServer } from './helpers/audit-servers'
import {
  buildExpressCorpusServer, buildFastifyCorpusApp, CORPUS, CORPUS_DIR, documentedRoutes, readCorpusDocument, serverBasePath
} from './fixtures/corpus/apps'
import type { DocumentedRoute } from './fixtures/corpus/apps'

// The audit on real public API documents (test/fixtures/corpus/README.md): 545 paths of Swagger
// 2.0 and OpenAPI 3.0/3.1, JSON and YAML, with path-level parameters, server variables and
// overlapping templates. An app built from each document with fastify-allowed-methods must be
// clean; the same routes in Express 5 must show exactly the violations a person expects.

/** Enough for the largest document (201 paths x 10 methods + 3). */
const MAX_REQUESTS = 5000
/** The methods the audit sends to every documented path, PURGE aside. */
const SENT = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']

function failures (report: AuditReport): string[] {
  return report.results.filter(r => r.verdict === 'fail').map(r => `${r.method} ${r.url} ${r.check}: ${r.got}: ${r.reason}`)
}

function perThousand (report: AuditReport): string {
  return `${report.summary.requests} requests in ${report.summary.durationMs} ms, ${Math.round(report.summary.durationMs * 1000 / report.summary.requests)} ms per 1,000`
}

/** Does a documented template match a request path, segment by segment (a parameter matches any one segment)? */
function templateMatches (template: string, url: string): boolean {
  const want = template.replace(/\/$/, '').split('/')
  const got = url.replace(/\/$/, '').split('/')
  return want.length === got.length && want.every((segment, i) => /^\{[^}]+\}$/.test(segment) ? got[i] !== '' : segment === got[i])
}

/**
 * What Express 5 serves at a URL: every method of every route that matches it (Express tries
 * them all, in order), HEAD with GET. The violations a person expects of such an app: every other
 * method sent gets Express' 404 (a `not-allowed` failure; OPTIONS is Express' own, with an Allow
 * of those methods), and PURGE gets a 404 too (`unknown-method`).
 */
function expectedExpressViolations (routes: DocumentedRoute[], report: AuditReport, base: string): string[] {
  const out: string[] = []
  const urls = new Map(report.results.filter(r => r.check !== 'unknown-path').map(r => [r.path, r.url]))
  for (const { template } of routes) {
    const url = urls.get(template) as string
    const served = new Set(routes.filter(r => templateMatches(base + r.template, url)).flatMap(r => r.methods))
    if (served.has('GET')) served.add('HEAD')
    for (const method of SENT) {
      if (method !== 'OPTIONS' && !served.has(method)) out.push(`${method} ${template} not-allowed`)
    }
    out.push(`PURGE ${template} unknown-method`)
  }
  return out.sort()
}

for (const entry of CORPUS) {
  test(`${entry.name}: ${entry.file}`, async (t) => {
    const doc = readCorpusDocument(entry.file)
    const file = join(CORPUS_DIR, entry.file)
    const routes = documentedRoutes(doc)
    const base = serverBasePath(doc)
    t.equal(base, entry.basePath, 'the server path the apps are mounted under')

    const app = await buildFastifyCorpusApp(doc)
    t.teardown(() => app.close())
    const clean = await audit({ app, openapi: file, maxRequests: MAX_REQUESTS })
    t.match(clean.document, { source: file, version: entry.version, basePath: entry.basePath, paths: entry.paths })
    t.same(failures(clean), [], 'Fastify + fastify-allowed-methods, in-process: no failure')
    t.equal(clean.summary.requests, entry.paths * 10 + 3, 'every path with every method, and the unknown path')
    t.comment(`Fastify + fastify-allowed-methods in-process: ${perThousand(clean)}`)

    const express = buildExpressCorpusServer(doc)
    const baseUrl = await listenServer(express)
    t.teardown(() => closeServer(express))
    const report = await audit({ baseUrl, openapi: file, maxRequests: MAX_REQUESTS })
    const got = report.results.filter(r => r.verdict === 'fail').map(r => `${r.method} ${r.path} ${r.check}`).sort()
    t.same(got, expectedExpressViolations(routes, report, base), 'Express 5: the violations a person expects, and no other')
    t.ok(report.results.filter(r => r.verdict === 'fail').every(r => r.got.startsWith('404')), 'Express 5: every violation is a 404')
    t.comment(`Express 5 over HTTP: ${perThousand(report)}`)
  })
}

test('GitHub Enterprise Server extract over HTTP: a Fastify server with fastify-allowed-methods at /api/v3 is clean', async (t) => {
  const entry = CORPUS[1]
  const app = await buildFastifyCorpusApp(readCorpusDocument(entry.file))
  t.teardown(() => app.close())
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
  // the document's server URL is {protocol}://{hostname}/api/v3: its path is prepended to every path
  const report = await audit({ baseUrl, openapi: join(CORPUS_DIR, entry.file), maxRequests: MAX_REQUESTS })
  t.same(failures(report), [])
  t.ok(report.results.every(r => r.url.startsWith('/api/v3/')), 'every request under the server path')
  t.comment(`Fastify + fastify-allowed-methods over HTTP: ${perThousand(report)}`)
})
