import { test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import fastifyAllowedMethods from '../lib/index'
import { audit } from '../lib/audit/index'
import type { CheckResult } from '../lib/audit/index'
import { answerKey } from '../lib/audit/checks/answers'
import { evaluate } from '../lib/audit/checks/index'
import { normaliseDocument } from '../lib/openapi/document'
import { planAudit } from '../lib/audit/plan'
import { templateRegExp } from '../lib/openapi/paths'
import type { Answer } from '../lib/audit/types'
import { listen } from './helpers/http'

// issue 10, item 1: the methods of a concrete URL are those of every documented template that
// matches it, as a router matches them

const OVERLAP = {
  openapi: '3.0.3',
  info: { title: 'Overlap', version: '1' },
  paths: {
    '/items/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
      get: { responses: { 200: { description: 'ok' } } },
      delete: { responses: { 204: { description: 'gone' } } }
    },
    '/items/special': { get: { responses: { 200: { description: 'ok' } } } }
  }
}

function failures (results: CheckResult[]): string[] {
  return results.filter(r => r.verdict === 'fail').map(r => `${r.method} ${r.path} ${r.check}: ${r.reason}`)
}

async function overlapApp (): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(fastifyAllowedMethods)
  const id = { type: 'object', properties: { id: { type: 'integer', minimum: 1 } } } as const
  app.get('/items/:id', { schema: { params: id } }, async (request) => ({ id: (request.params as { id: number }).id }))
  app.delete('/items/:id', { schema: { params: id } }, async (_request, reply) => reply.code(204).send())
  app.get('/items/special', async () => ({ special: true }))
  return app
}

test('template matching: a literal segment matches a literal or a parameter, a parameter one non-empty segment', async (t) => {
  const matches = (template: string, url: string): boolean => templateRegExp(template).test(url)
  t.ok(matches('/items/{id}', '/items/special'))
  t.ok(matches('/items/special', '/items/special'))
  t.notOk(matches('/items/special', '/items/1'))
  t.notOk(matches('/items/{id}', '/items/'))
  t.notOk(matches('/items/{id}', '/items/1/parts'))
  t.notOk(matches('/items/{id}', '/items/1/'))
  t.ok(matches('/files/{name}.{ext}', '/files/report.json'))
  t.notOk(matches('/files/{name}.json', '/files/report.yaml'))
  t.ok(matches('/files/{*}', '/files/a/b/c'))
  t.notOk(matches('/Items/{id}', '/items/1'))
  // literal parts are matched as the audit sends them, %-encoded
  t.ok(matches('/with space/{id}', '/with%20space/1'))
  t.ok(templateRegExp('/items/{id}', '/v2').test('/v2/items/1'))
  t.notOk(templateRegExp('/items/{id}', '/v2').test('/items/1'))
  t.ok(templateRegExp('/items', '', true).test('/items/'))
})

test('the plan: each URL carries every template that matches it, its own first', async (t) => {
  const plan = planAudit(normaliseDocument(OVERLAP), '/api')
  const special = plan.paths.find(p => p.api.path === '/items/special')
  const byId = plan.paths.find(p => p.api.path === '/items/{id}')
  t.same(special?.templates.map(a => a.path), ['/items/special', '/items/{id}'])
  t.equal(special?.url, '/api/items/special')
  t.same(byId?.templates.map(a => a.path), ['/items/{id}'])
  t.equal(byId?.url, '/api/items/1')
  // the union of methods is sent to the static URL
  t.same(special?.methods, ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY', 'PURGE'])
  t.same(plan.documentedMethods, new Set(['GET', 'DELETE', 'HEAD']))
})

/** Answers for every request of the plan of `doc`, from `behaviour`. */
function evaluateWith (doc: Record<string, unknown>, behaviour: (method: string, url: string) => Partial<Answer>): CheckResult[] {
  const plan = planAudit(normaliseDocument(doc), '')
  const answers = new Map<string, Answer>()
  for (const r of plan.requests) answers.set(answerKey(r.method, r.url), { status: 0, headers: {}, body: Buffer.alloc(0), ...behaviour(r.method, r.url) })
  return evaluate(plan, answers)
}

test('a server that answers the static path with its own methods only is told which templates it left out', async (t) => {
  const union = 'GET, HEAD, DELETE, OPTIONS'
  const staticOnly = 'GET, HEAD, OPTIONS'
  const server = (allowSpecial: string) => (method: string, url: string): Partial<Answer> => {
    const allow = url === '/items/special' ? allowSpecial : union
    const methods = allow.split(', ')
    if (url === '/fastify-allowed-methods-audit-404') return { status: 404 }
    if (method === 'PURGE') return { status: 501 }
    if (method === 'OPTIONS') return { status: 204, headers: { allow } }
    if (methods.includes(method)) return { status: method === 'DELETE' ? 204 : 200 }
    return { status: 405, headers: { allow } }
  }
  t.same(failures(evaluateWith(OVERLAP, server(union))), [])
  const results = evaluateWith(OVERLAP, server(staticOnly))
  const special = results.filter(r => r.path === '/items/special' && r.verdict === 'fail')
  t.same(special.map(r => `${r.method} ${r.check}`), ['POST not-allowed', 'PUT not-allowed', 'DELETE served', 'OPTIONS options', 'TRACE not-allowed', 'PATCH not-allowed', 'QUERY not-allowed'])
  t.equal(special[2].reason, 'The document lists DELETE /items/{id} (which matches /items/special), but DELETE /items/special answered 405: the server says the method is not allowed here.')
  t.equal(special[0].reason, 'Allow leaves out DELETE, which the document lists for /items/{id}.')
  t.equal(special[0].expected, '405 with Allow: GET, DELETE (HEAD and OPTIONS may be added)')
  t.match(special[3].reason, /^The OPTIONS Allow leaves out DELETE, which the document lists for \/items\/\{id\}\./)
  // an Allow with a method of neither template names both
  const extra = evaluateWith(OVERLAP, (method, url) => url === '/items/special' && method === 'PUT' ? { status: 405, headers: { allow: 'GET, HEAD, DELETE, PATCH, OPTIONS' } } : server(union)(method, url))
  t.same(failures(extra).filter(f => f.startsWith('PUT /items/special')), [
    'PUT /items/special not-allowed: Allow lists PATCH, which the document does not have for /items/special or /items/{id} (the documented paths that match /items/special).'
  ])
  // a method neither template documents answered wrongly: both named
  const wrong = evaluateWith(OVERLAP, (method, url) => url === '/items/special' && method === 'PATCH' ? { status: 404 } : server(union)(method, url))
  t.match(failures(wrong), [/^PATCH \/items\/special not-allowed: PATCH is documented for none of \/items\/special or \/items\/\{id\} \(the documented paths that match \/items\/special\), but the server answered 404 Not Found/])
})

test('served: a method another template documents passes with that template named, and its 404 counts as a missing resource', async (t) => {
  const results = evaluateWith(OVERLAP, (method, url) => {
    if (method === 'DELETE' && url === '/items/special') return { status: 404 }
    if (method === 'OPTIONS') return { status: 204, headers: { allow: 'GET, HEAD, DELETE, OPTIONS' } }
    if (['GET', 'HEAD', 'DELETE'].includes(method)) return { status: 200 }
    return { status: 405, headers: { allow: 'GET, HEAD, DELETE, OPTIONS' } }
  })
  const del = results.find(r => r.path === '/items/special' && r.method === 'DELETE')
  // /items/{id} is templated: the 405 answers list DELETE, so the route exists
  t.match(del, { check: 'served', verdict: 'pass', reason: /^DELETE \/items\/special answered 404, but the 405 answers on the same URL list DELETE in Allow/ })
  const get = results.find(r => r.path === '/items/special' && r.method === 'GET')
  t.equal(get?.reason, 'GET /items/special is documented and answered 200.')
  const served = evaluateWith(OVERLAP, (method) => method === 'OPTIONS' ? { status: 204, headers: { allow: 'GET, HEAD, DELETE, OPTIONS' } } : { status: 200 })
  t.equal(served.find(r => r.path === '/items/special' && r.method === 'DELETE')?.reason, 'DELETE /items/{id} (which matches /items/special) is documented and answered 200.')
})

test('a documented OPTIONS and hidden methods of a matching template count for the URL too', async (t) => {
  const doc = {
    openapi: '3.0.3',
    paths: {
      '/a/{x}': {
        get: { responses: {} },
        options: { responses: { 204: { headers: { Allow: { schema: { enum: ['GET, HEAD, OPTIONS'] } } } } } }
      },
      '/a/b': { get: { responses: {} }, options: { responses: { 204: {} } } }
    }
  }
  const results = evaluateWith(doc, (method) => {
    if (method === 'GET' || method === 'HEAD') return { status: 200 }
    if (method === 'OPTIONS') return { status: 204, headers: { allow: 'GET, HEAD' } }
    return { status: 405, headers: { allow: 'GET, HEAD, OPTIONS' } }
  })
  t.match(results.find(r => r.path === '/a/b' && r.check === 'options'), { verdict: 'fail', reason: /^The document says OPTIONS \/a\/\{x\} answers Allow: GET, HEAD, OPTIONS, but the server sent Allow: GET, HEAD\./ })
})

test('a Fastify app running the plugin, with overlapping templates, passes: in-process and over HTTP', async (t) => {
  const app = await overlapApp()
  t.teardown(() => app.close())
  const report = await audit({ app, openapi: OVERLAP })
  t.same(failures(report.results), [])
  t.equal(report.ok, true)
  const del = report.results.find(r => r.path === '/items/special' && r.method === 'DELETE')
  t.match(del, { check: 'served', verdict: 'pass', url: '/items/special' })
  const put = report.results.find(r => r.path === '/items/special' && r.method === 'PUT')
  t.match(put, { check: 'not-allowed', verdict: 'pass', got: '405, Allow: GET, HEAD, DELETE, OPTIONS', expected: '405 with Allow: GET, DELETE (HEAD and OPTIONS may be added)' })

  const base = await listen(app)
  const overHttp = await audit({ baseUrl: base, openapi: OVERLAP })
  t.same(failures(overHttp.results), [])
})

test('the document @fastify/swagger writes for such an app is audited clean too', async (t) => {
  const app = Fastify()
  await app.register(fastifyAllowedMethods)
  await app.register(swagger, { openapi: { info: { title: 'Overlap', version: '1' } } })
  app.get('/users/:name', async () => ({}))
  app.patch('/users/:name', async () => ({}))
  app.get('/users/me', async () => ({}))
  app.post('/users/me/avatar', async () => ({}))
  t.teardown(() => app.close())
  const report = await audit({ app })
  t.same(failures(report.results), [])
  t.ok(report.results.some(r => r.path === '/users/me' && r.method === 'PATCH' && r.check === 'served' && r.verdict === 'pass'))
})
