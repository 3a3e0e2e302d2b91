import { test } from 'tap'
import Koa from 'koa'
import Router from '@koa/router'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { audit } from '../lib/audit/index'
import type { CheckResult } from '../lib/audit/index'
import { closeServer, listenServer } from './helpers/audit-servers'

// issue 10, item 7: RFC 9110 section 9.1 lets a server answer 501 for a method it implements on
// no resource; the audit accepts that (like PURGE's) for a method the document has on no path

function failures (results: CheckResult[]): string[] {
  return results.filter(r => r.verdict === 'fail').map(r => `${r.method} ${r.path} ${r.check}`)
}

const OPENAPI = {
  openapi: '3.0.3',
  info: { title: 'Koa items', version: '1' },
  paths: {
    '/items': {
      get: { responses: { 200: { description: 'ok' } } },
      post: { responses: { 201: { description: 'created' } } }
    },
    '/items/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
      get: { responses: { 200: { description: 'ok' } } },
      put: { responses: { 200: { description: 'ok' } } },
      delete: { responses: { 204: { description: 'gone' } } }
    }
  }
}

/** Koa + @koa/router with allowedMethods(): 405 with Allow for known methods, 501 for TRACE, QUERY, PURGE everywhere. */
function koaServer (): Server {
  const app = new Koa()
  const router = new Router()
  router.get('/items', (ctx) => { ctx.body = [] })
  router.post('/items', (ctx) => { ctx.status = 201; ctx.body = { id: 2 } })
  router.get('/items/:id', (ctx) => { ctx.body = { id: ctx.params.id } })
  router.put('/items/:id', (ctx) => { ctx.body = { id: ctx.params.id } })
  router.delete('/items/:id', (ctx) => { ctx.status = 204 })
  app.use(router.routes())
  app.use(router.allowedMethods())
  return createServer(app.callback())
}

test('Koa + @koa/router: TRACE and QUERY answered 501 (implemented nowhere) pass, like PURGE', async (t) => {
  const server = koaServer()
  const base = await listenServer(server)
  t.teardown(() => closeServer(server))
  const report = await audit({ baseUrl: base, openapi: OPENAPI })
  t.same(failures(report.results), [])
  for (const method of ['TRACE', 'QUERY']) {
    const result = report.results.find(r => r.path === '/items' && r.method === method && r.check === 'not-allowed')
    t.match(result, {
      verdict: 'pass',
      got: '501',
      expected: `405 with Allow: GET, POST (HEAD and OPTIONS may be added), or 501 (the document has ${method} on no path)`,
      reason: `${method} is not documented for /items, and the document has ${method} on no path: the server answered 501 Not Implemented, as a server may for a method it implements on no resource (RFC 9110 sections 9.1 and 15.6.2), like PURGE.`
    })
  }
  t.match(report.results.find(r => r.path === '/items' && r.method === 'PURGE'), { check: 'unknown-method', verdict: 'pass', got: '501' })
})

/** A node:http server: 405 with Allow for every documented path's other methods, but 501 for the methods in `unimplemented`, on every path. */
function server501 (allowByPath: Record<string, string[]>, unimplemented: string[], unknownPath501: string[] = []): Server {
  return createServer((req, res) => {
    const { method, url } = req as { method: string, url: string }
    const allowed = allowByPath[url]
    if (allowed === undefined) return res.writeHead(unknownPath501.includes(method) ? 501 : 404).end()
    if (unimplemented.includes(method) || method === 'PURGE') return res.writeHead(501, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ status: 501, title: 'Not Implemented' }))
    const allow = [...allowed, 'OPTIONS'].join(', ')
    if (method === 'OPTIONS') return res.writeHead(204, { allow }).end()
    if (allowed.includes(method)) return res.writeHead(200, { 'content-type': 'text/plain' }).end(method === 'HEAD' ? undefined : 'ok')
    res.writeHead(405, { allow }).end()
  })
}

test('a 501 for a method the document has on some path is still a violation, on the paths that lack it', async (t) => {
  const openapi = {
    openapi: '3.1.0',
    info: { title: 'x', version: '1' },
    paths: {
      '/a': { get: { responses: { 200: { description: 'ok' } } } },
      '/b': { get: { responses: { 200: { description: 'ok' } } }, patch: { responses: { 200: { description: 'ok' } } } }
    }
  }
  // PATCH is documented on /b: a 501 for PATCH /a says "implemented nowhere", which is untrue
  const server = server501({ '/a': ['GET', 'HEAD'], '/b': ['GET', 'HEAD', 'PATCH'] }, ['PATCH', 'TRACE', 'DELETE'])
  const base = await listenServer(server)
  t.teardown(() => closeServer(server))
  const report = await audit({ baseUrl: base, openapi })
  t.same(failures(report.results), ['PATCH /a not-allowed', 'PATCH /b served'])
  t.match(report.results.find(r => r.path === '/a' && r.method === 'PATCH'), {
    expected: '405 with Allow: GET (HEAD and OPTIONS may be added)',
    reason: 'PATCH is not documented for /a, and the server answered 501, which says no resource supports PATCH; but the document has PATCH on other paths, so the answer here is 405 with Allow.'
  })
  t.match(report.results.find(r => r.path === '/a' && r.method === 'DELETE' && r.check === 'not-allowed'), { verdict: 'pass', got: '501' })
  // the 501 bodies are still checked as problem documents
  t.ok(report.results.some(r => r.path === '/a' && r.method === 'TRACE' && r.check === 'problem' && r.verdict === 'pass'))
})

test('GET and HEAD are never "implemented nowhere" (RFC 9110 section 9.1 requires them of every server)', async (t) => {
  const openapi = { openapi: '3.1.0', info: { title: 'x', version: '1' }, paths: { '/jobs': { post: { responses: { 201: { description: 'ok' } } } } } }
  const server = server501({ '/jobs': ['POST'] }, ['GET', 'HEAD', 'PUT'])
  const base = await listenServer(server)
  t.teardown(() => closeServer(server))
  const report = await audit({ baseUrl: base, openapi })
  t.same(failures(report.results), ['GET /jobs not-allowed', 'HEAD /jobs not-allowed'])
  t.match(report.results.find(r => r.method === 'PUT' && r.check === 'not-allowed'), { verdict: 'pass' })
})

test('unknown-path: a 501 for a method the document has on no path passes; for a documented one it fails', async (t) => {
  const openapi = { openapi: '3.1.0', info: { title: 'x', version: '1' }, paths: { '/a': { get: { responses: { 200: { description: 'ok' } } } } } }
  const nowhere = server501({ '/a': ['GET', 'HEAD'] }, [], ['DELETE'])
  const base = await listenServer(nowhere)
  t.teardown(() => closeServer(nowhere))
  const report = await audit({ baseUrl: base, openapi })
  t.same(failures(report.results), [])
  t.match(report.results.find(r => r.check === 'unknown-path' && r.method === 'DELETE'), {
    verdict: 'pass',
    expected: '404 without Allow, or 501 (the document has DELETE on no path)',
    reason: 'DELETE answered 501 Not Implemented: the document has DELETE on no path, and a server may refuse a method it implements on no resource with 501 (RFC 9110 sections 9.1 and 15.6.2).'
  })
  const withDelete = { ...openapi, paths: { '/a': { get: { responses: { 200: { description: 'ok' } } }, delete: { responses: { 204: { description: 'ok' } } } } } }
  const documented = server501({ '/a': ['GET', 'HEAD', 'DELETE'] }, [], ['DELETE', 'GET'])
  const base2 = await listenServer(documented)
  t.teardown(() => closeServer(documented))
  const report2 = await audit({ baseUrl: base2, openapi: withDelete })
  t.same(failures(report2.results), ['GET /fastify-allowed-methods-audit-404 unknown-path', 'DELETE /fastify-allowed-methods-audit-404 unknown-path'])
  t.match(report2.results.find(r => r.check === 'unknown-path' && r.method === 'DELETE'), { expected: '404 without Allow', reason: '/fastify-allowed-methods-audit-404 is not in the document, but DELETE answered 501 instead of 404 Not Found.' })
})
