import { test } from 'tap'
import type { FastifyInstance, RouteOptions } from 'fastify'
import { MethodTable } from '../lib/method-table'
import { rootContextOf } from '../lib/not-found-hook'
import { parseRouteTree, readPriorRoutes } from '../lib/prior-routes'
import { answerKey } from '../lib/audit/checks/answers'
import { evaluate } from '../lib/audit/checks/index'
import { normaliseDocument } from '../lib/openapi/document'
import { planAudit } from '../lib/audit/plan'
import type { Answer } from '../lib/audit/types'

/**
 * Branches the end-to-end tests cannot reach with a real Fastify: fastify internals that are
 * missing or shaped otherwise (a future Fastify), route trees fastify prints only for rare
 * setups, and a hidden method that gets no answer in an audit.
 */

test('rootContextOf: null unless the root notFound context is there and has hook lists', async (t) => {
  const key = Symbol('fastify.404ContextKey')
  t.equal(rootContextOf({} as FastifyInstance), null, 'no such symbol')
  t.equal(rootContextOf({ [key]: null } as unknown as FastifyInstance), null, 'the symbol holds null')
  t.equal(rootContextOf({ [key]: { onRequest: null } } as unknown as FastifyInstance), null, 'no preHandler list')
  t.equal(rootContextOf({ [key]: { preHandler: null } } as unknown as FastifyInstance), null, 'no onRequest list')
  const context = { onRequest: null, preHandler: null }
  t.equal(rootContextOf({ [key]: context } as unknown as FastifyInstance), context)
})

test('MethodTable: several hide functions for one method: the method is implemented while one of them shows its route', async (t) => {
  const table = new MethodTable()
  const hideA = (request: unknown): boolean => (request as { a: boolean }).a
  const hideB = (request: unknown): boolean => (request as { b: boolean }).b
  table.add({ method: 'MKCOL', url: '/a', config: { allow: { hide: hideA } } } as unknown as RouteOptions)
  table.add({ method: 'MKCOL', url: '/b', config: { allow: { hide: hideB } } } as unknown as RouteOptions)
  t.ok(table.hasHideFns)
  t.ok(table.implements('MKCOL', { a: true, b: false } as never))
  t.notOk(table.implements('MKCOL', { a: true, b: true } as never))
  t.ok(table.implements('MKCOL'), 'without a request: visible')
  t.same([...table.implemented({ a: true, b: true } as never)], [])
  t.same(table.toObject(), { '/a': ['MKCOL'], '/b': ['MKCOL'] })
})

test('parseRouteTree: constraint values that are not strings stay as printed', async (t) => {
  const tree = '└── /\n    └── n (GET) {"tenant":1,"host":"/^a$/i","flag":true}\n'
  const [route] = parseRouteTree(tree)
  t.equal(route?.url, '/n')
  t.equal(route?.constraints?.tenant, 1)
  t.equal(route?.constraints?.flag, true)
  t.same(route?.constraints?.host, /^a$/i)
})

test('readPriorRoutes: the names of a shared parameter node come from a lookup only where one can be made', async (t) => {
  const trees: Record<string, string> = {
    GET: [
      '└── /',
      '    ├── a/',
      '    │   └── :id|:name (GET)',
      '    ├── r/',
      '    │   └── :id(^\\d+$)|:x (GET)',
      '    ├── h/',
      '    │   └── :id|:y (GET) {"host":"/^h$/"}',
      '    ├── m/',
      '    │   └── :id|:z (GET)',
      '    │       └── /:w (GET)',
      '    └── s/',
      '        └── :id|:q (GET)',
      ''
    ].join('\n')
  }
  const lookups: string[] = []
  const fake = {
    supportedMethods: ['GET', 'POST'],
    printRoutes: (opts?: { method?: string }) => opts === undefined ? 'routes' : (trees[opts.method as string] ?? '(empty tree)'),
    findRoute: ({ url }: { url: string }) => {
      lookups.push(url)
      if (url === '/a/p') return { params: { name: 'p' } }
      if (url === '/m/p') return { params: { z: 'p' } }
      if (url === '/m/p/p') return { params: { z: 'p' } } // fewer names than the path has: keep the printed ones
      return null
    }
  } as unknown as FastifyInstance
  const urls = readPriorRoutes(fake).map(r => r.url)
  t.same(urls, ['/a/:name', '/r/:id(^\\d+$)', '/h/:id', '/m/:z', '/m/:id/:w', '/s/:id'])
  t.same(lookups, ['/a/p', '/m/p', '/m/p/p', '/s/p'], 'no lookup for a regex parameter or a RegExp constraint')
})

test('audit: a method hidden by the app that gets no answer fails with the reason', async (t) => {
  const doc = { openapi: '3.1.0', paths: { '/items': { get: { responses: { 200: { description: 'ok' } } } } } } as Record<string, unknown>
  Object.defineProperty(doc, Symbol.for('fastify-allowed-methods.hidden'), { value: { '/items': ['DELETE'] } })
  const plan = planAudit(normaliseDocument(doc), '')
  const answers = new Map<string, Answer>()
  for (const r of plan.requests) {
    const ok = r.method === 'GET' || r.method === 'HEAD'
    const answer = r.method === 'DELETE'
      ? { status: 0, headers: {}, body: Buffer.alloc(0), error: 'socket hang up' }
      : { status: ok ? 200 : r.method === 'OPTIONS' ? 204 : 405, headers: { allow: 'GET, HEAD, OPTIONS', 'content-type': 'application/json' }, body: Buffer.from(ok && r.method === 'GET' ? '{}' : '') }
    answers.set(answerKey(r.method, r.url), answer as Answer)
  }
  const results = evaluate(plan, answers)
  const hidden = results.find(r => r.method === 'DELETE')
  t.equal(hidden?.verdict, 'fail')
  t.match(hidden?.reason, /DELETE \/items got no answer: socket hang up\./)
})
