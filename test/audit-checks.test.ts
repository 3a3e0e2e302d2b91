import { test } from 'tap'
import { answerKey, describe } from '../lib/audit/checks/answers'
import { evaluate } from '../lib/audit/checks/index'
import { normaliseDocument } from '../lib/openapi/document'
import { planAudit, unknownPath } from '../lib/audit/plan'
import { sortMethods } from '../lib/methods'
import type { Answer, CheckName, CheckResult } from '../lib/audit/types'

type Fake = { status?: number, headers?: Record<string, string>, body?: string, error?: string }
type Behaviour = (method: string, url: string) => Fake

const STANDARD = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']

/** A server that gets everything right, for the documented methods of each concrete URL. */
function correct (served: Record<string, string[]>): Behaviour {
  return (method, url): Fake => {
    const methods = served[url]
    if (methods === undefined) return { status: 404 }
    if (!STANDARD.includes(method) && !methods.includes(method)) return { status: 501 }
    const withHead = methods.includes('GET') && !methods.includes('HEAD') ? [...methods, 'HEAD'] : methods
    const allow = sortMethods([...withHead, 'OPTIONS']).join(', ')
    if (withHead.includes(method)) return { status: 200, headers: { 'content-type': 'application/json', 'content-length': '2' }, body: method === 'HEAD' ? '' : '{}' }
    if (method === 'OPTIONS') return { status: 204, headers: { allow } }
    return { status: 405, headers: { allow, 'content-type': 'application/problem+json' }, body: JSON.stringify({ title: 'Method Not Allowed', status: 405 }) }
  }
}

function override (base: Behaviour, changes: Record<string, Fake>): Behaviour {
  return (method, url) => changes[`${method} ${url}`] ?? base(method, url)
}

function run (doc: Record<string, unknown>, behaviour: Behaviour): CheckResult[] {
  const plan = planAudit(normaliseDocument({ openapi: '3.1.0', ...doc }), '')
  const answers = new Map<string, Answer>()
  for (const r of plan.requests) {
    const a = behaviour(r.method, r.url)
    answers.set(answerKey(r.method, r.url), {
      status: a.status ?? 0,
      headers: a.headers ?? {},
      body: Buffer.from(a.body ?? ''),
      ...(a.error === undefined ? {} : { error: a.error })
    })
  }
  return evaluate(plan, answers)
}

function only (results: CheckResult[], method: string, check: CheckName, path?: string): CheckResult {
  const found = results.filter(r => r.method === method && r.check === check && (path === undefined || r.path === path))
  if (found.length !== 1) throw new Error(`expected one ${method} ${check} result, got ${found.length}`)
  return found[0]
}

function failures (results: CheckResult[]): string[] {
  return results.filter(r => r.verdict === 'fail').map(r => `${r.method} ${r.path} ${r.check}`)
}

const items = { paths: { '/items': { get: { responses: { 200: {} } }, post: { responses: { 201: {} } } } } }
const itemsServer = correct({ '/items': ['GET', 'POST'] })

test('a correct server passes every check, in a stable order', async (t) => {
  const results = run(items, itemsServer)
  t.same(failures(results), [])
  t.same(results.map(r => `${r.method} ${r.check}`), [
    'GET served', 'HEAD head', 'POST served', 'PUT not-allowed', 'PUT problem', 'DELETE not-allowed', 'DELETE problem',
    'OPTIONS options', 'TRACE not-allowed', 'TRACE problem', 'PATCH not-allowed', 'PATCH problem', 'QUERY not-allowed',
    'QUERY problem', 'PURGE unknown-method',
    'GET unknown-path', 'DELETE unknown-path', 'OPTIONS unknown-path'
  ])
  const put = only(results, 'PUT', 'not-allowed')
  t.same(put, {
    path: '/items',
    url: '/items',
    method: 'PUT',
    check: 'not-allowed',
    expected: '405 with Allow: GET, POST (HEAD and OPTIONS may be added)',
    got: '405, Allow: GET, HEAD, POST, OPTIONS',
    verdict: 'pass',
    reason: 'PUT is not documented for /items, and the server answered 405 with an Allow header that matches the document.'
  })
  t.equal(only(results, 'OPTIONS', 'options').expected, '2xx with the Allow of the 405 answers: GET, HEAD, POST, OPTIONS')
  t.equal(only(results, 'HEAD', 'head').got, '200, no body')
  t.equal(only(results, 'PURGE', 'unknown-method').reason, 'PURGE answered 501 Not Implemented.')
})

test('served: documented methods must not get 404, 405, 501 or no answer', async (t) => {
  const results = run(items, override(itemsServer, {
    'GET /items': { status: 405, headers: { allow: 'POST' } },
    'POST /items': { error: 'no answer within 10 ms' }
  }))
  t.match(only(results, 'GET', 'served'), { verdict: 'fail', got: '405, Allow: POST', reason: 'The document lists GET /items, but GET /items answered 405: the server says the method is not allowed here.' })
  t.match(only(results, 'POST', 'served'), { verdict: 'fail', got: 'no answer (no answer within 10 ms)', reason: 'POST /items got no answer: no answer within 10 ms.' })
  const r501 = run(items, override(itemsServer, { 'POST /items': { status: 501 } }))
  t.match(only(r501, 'POST', 'served').reason, /answered 501: the server says it does not implement the method at all/)
  const r404 = run(items, override(itemsServer, { 'POST /items': { status: 404 } }))
  t.equal(only(r404, 'POST', 'served').reason, 'The document lists POST /items, but POST /items answered 404: the server has no route for it.')
})

test('served: a 404 on a templated path passes when the document lists 404 or Allow shows the route exists', async (t) => {
  const doc = (responses: Record<string, unknown>): Record<string, unknown> => ({
    paths: { '/items/{id}': { get: { responses }, delete: { responses: { 204: {} } } } }
  })
  const server = correct({ '/items/1': ['GET', 'DELETE'] })
  const missing = override(server, { 'GET /items/1': { status: 404 } })
  t.match(only(run(doc({ 200: {}, 404: {} }), missing), 'GET', 'served'), { verdict: 'pass', reason: /a response the document lists for this operation/ })
  t.match(only(run(doc({ 200: {}, '4XX': {} }), missing), 'GET', 'served'), { verdict: 'pass' })
  t.match(only(run(doc({ 200: {} }), missing), 'GET', 'served'), { verdict: 'pass', reason: /the 405 answers on the same URL list GET in Allow/ })
  const noRoute = override(missing, Object.fromEntries(['POST', 'PUT', 'PATCH', 'TRACE', 'QUERY'].map(m => [`${m} /items/1`, { status: 405, headers: { allow: 'DELETE' } }])))
  t.match(only(run(doc({ 200: {} }), noRoute), 'GET', 'served'), {
    verdict: 'fail',
    reason: 'The document lists GET /items/{id}, but GET /items/1 answered 404: the server has no route for it (or none that matches the parameter values the audit sent: /items/1).'
  })
})

test('not-allowed: every way a wrong method can be answered wrongly', async (t) => {
  const cases: Array<[Fake, RegExp]> = [
    [{ error: 'socket hang up' }, /^PUT \/items got no answer: socket hang up\.$/],
    [{ status: 404 }, /but the server answered 404 Not Found for a path that exists: a client cannot tell a wrong method from a wrong URL/],
    [{ status: 200 }, /answered 200: it serves a method the document does not list\. Document it, or answer 405\.$/],
    [{ status: 400 }, /answered 400 instead of 405 Method Not Allowed\.$/],
    [{ status: 405 }, /^The 405 for PUT \/items has no Allow header: RFC 9110 section 15\.5\.6 requires one/],
    [{ status: 405, headers: { allow: ' , ' } }, /has an empty Allow header/],
    [{ status: 405, headers: { allow: 'GET, POST, DELETE' } }, /^Allow lists DELETE, which the document does not have for \/items\.$/],
    [{ status: 405, headers: { allow: 'get' } }, /^Allow leaves out POST, which the document lists\.$/],
    [{ status: 405, headers: { allow: 'GET, POST, PUT' } }, /Allow lists PUT, which the document does not have for \/items\. Allow lists PUT itself, the method that was just refused\./]
  ]
  for (const [answer, reason] of cases) {
    const result = only(run(items, override(itemsServer, { 'PUT /items': answer })), 'PUT', 'not-allowed')
    t.equal(result.verdict, 'fail', String(reason))
    t.match(result.reason, reason)
  }
  t.equal(describe({ status: 405, headers: { allow: '' }, body: Buffer.alloc(0) }), '405, Allow: (empty)')
})

test('not-allowed and options: HEAD and OPTIONS may be listed only where they are served', async (t) => {
  const results = run(items, override(itemsServer, {
    'HEAD /items': { status: 405, headers: { allow: 'GET, HEAD, POST, OPTIONS' } },
    'OPTIONS /items': { status: 200, headers: { allow: 'GET, HEAD, POST, OPTIONS' } }
  }))
  t.match(only(results, 'PUT', 'not-allowed').reason, /^Allow lists HEAD, but HEAD \/items answered 405, Allow: GET, HEAD, POST, OPTIONS\.$/)
  t.match(only(results, 'OPTIONS', 'options').reason, /^The OPTIONS Allow lists HEAD, but HEAD \/items answered 405/)
  const noOptions = run(items, override(itemsServer, { 'OPTIONS /items': { status: 404 } }))
  t.match(only(noOptions, 'DELETE', 'not-allowed').reason, /Allow lists OPTIONS, but OPTIONS \/items answered 404\./)
  // a path with neither GET nor HEAD documented: HEAD is just another method, 405 expected
  const postOnly = { paths: { '/jobs': { post: { responses: {} } } } }
  const jobs = run(postOnly, correct({ '/jobs': ['POST'] }))
  t.same(failures(jobs), [])
  t.equal(only(jobs, 'HEAD', 'not-allowed').verdict, 'pass')
  // HEAD documented and listed: its own served check decides, not the Allow check
  const withHead = { paths: { '/h': { get: { responses: {} }, head: { responses: {} } } } }
  const headServer = correct({ '/h': ['GET', 'HEAD'] })
  t.same(failures(run(withHead, headServer)), [])
  t.same(failures(run(withHead, override(headServer, { 'HEAD /h': { status: 405, headers: { allow: 'GET, HEAD, OPTIONS' } } }))), ['HEAD /h served', 'HEAD /h head'])
})

test('options: status, Allow, agreement with the document and with the 405 answers', async (t) => {
  const cases: Array<[Fake, RegExp]> = [
    [{ error: 'timeout' }, /^OPTIONS \/items got no answer: timeout\.$/],
    [{ status: 404 }, /^OPTIONS \/items answered 404: OPTIONS should tell a client which methods \/items supports/],
    [{ status: 405, headers: { allow: 'GET, HEAD, POST' } }, /answered 405: OPTIONS should tell/],
    [{ status: 204 }, /answered 204 without an Allow header/],
    [{ status: 204, headers: { allow: '' } }, /answered 204 without a non-empty Allow header/],
    [{ status: 200, headers: { allow: 'GET, POST, DELETE' } }, /^The OPTIONS Allow lists DELETE, which the document does not have for \/items\. OPTIONS says Allow: GET, POST, DELETE, but the 405 answers say Allow: GET, HEAD, POST, OPTIONS\.$/],
    [{ status: 200, headers: { allow: 'GET, POST' } }, /^OPTIONS says Allow: GET, POST, but the 405 answers say Allow: GET, HEAD, POST, OPTIONS\.$/]
  ]
  for (const [answer, reason] of cases) {
    const result = only(run(items, override(itemsServer, { 'OPTIONS /items': answer })), 'OPTIONS', 'options')
    t.equal(result.verdict, 'fail', String(reason))
    t.match(result.reason, reason)
  }
  // no 405 answers at all: the document alone sets the expectation
  const all = { paths: { '/all': Object.fromEntries(['get', 'post', 'put', 'delete', 'trace', 'patch', 'query'].map(m => [m, { responses: {} }])) } }
  const allResults = run(all, correct({ '/all': ['GET', 'POST', 'PUT', 'DELETE', 'TRACE', 'PATCH', 'QUERY'] }))
  t.same(failures(allResults), [])
  t.equal(only(allResults, 'OPTIONS', 'options').expected, '2xx with Allow: GET, POST, PUT, DELETE, TRACE, PATCH, QUERY (HEAD and OPTIONS may be added)')
})

test('options: an OPTIONS operation in the document, with or without the Allow it promises', async (t) => {
  const documented = (headers?: unknown): Record<string, unknown> => ({
    paths: { '/items': { ...items.paths['/items'], options: { responses: { 204: headers === undefined ? {} : { headers } } } } }
  })
  const allow = { Allow: { schema: { enum: ['GET, HEAD, POST, OPTIONS'] } } }
  const server = correct({ '/items': ['GET', 'POST', 'OPTIONS'] })
  const optionsAnswer = { status: 204, headers: { allow: 'GET, HEAD, POST, OPTIONS' } }
  const good = override(server, { 'OPTIONS /items': optionsAnswer })
  t.same(failures(run(documented(allow), good)), [])
  t.match(only(run(documented(allow), good), 'OPTIONS', 'options'), { verdict: 'pass', expected: 'Allow: GET, HEAD, POST, OPTIONS (as documented)' })
  t.same(run(documented(), good).filter(r => r.check === 'options'), [])
  t.same(run(documented(allow), override(server, { 'OPTIONS /items': { status: 404 } })).filter(r => r.check === 'options'), [])
  t.match(only(run(documented(allow), override(server, { 'OPTIONS /items': { status: 204, headers: { allow: 'GET, POST, OPTIONS' } } })), 'OPTIONS', 'options').reason,
    /^The document says OPTIONS \/items answers Allow: GET, HEAD, POST, OPTIONS, but the server sent Allow: GET, POST, OPTIONS\. OPTIONS says Allow: GET, POST, OPTIONS, but the 405 answers say/)
  t.match(only(run(documented(allow), override(server, { 'OPTIONS /items': { status: 204 } })), 'OPTIONS', 'options').reason,
    /but the server sent no Allow\. OPTIONS says no Allow, but the 405 answers say Allow: GET, HEAD, POST, OPTIONS\.$/)
})

test('head: same status, same headers, no body', async (t) => {
  const head = (changes: Record<string, Fake>): CheckResult => only(run(items, override(itemsServer, changes)), 'HEAD', 'head')
  const json = { 'content-type': 'application/json', 'content-length': '2' }
  t.match(head({ 'HEAD /items': { status: 404 } }), { verdict: 'fail', reason: /^HEAD \/items answered 404 where GET answered 200: HEAD must answer exactly like GET/ })
  t.match(head({ 'HEAD /items': { status: 200, headers: { 'content-length': '2' } } }), { reason: 'HEAD lacks the content-type header that GET sends (application/json).' })
  t.match(head({ 'HEAD /items': { status: 200, headers: { ...json, etag: '"x"' } } }), { reason: 'HEAD sends a etag header ("x") that GET does not.' })
  t.match(head({ 'HEAD /items': { status: 200, headers: { ...json, 'content-type': 'text/plain' } } }), { reason: 'The content-type header differs: GET sends application/json, HEAD sends text/plain.' })
  t.match(head({ 'HEAD /items': { status: 200, headers: { ...json, 'content-length': '3' } } }), { reason: 'HEAD says content-length 3, GET sends 2 bytes.' })
  t.match(head({ 'HEAD /items': { status: 200, headers: json, body: 'oops' } }), { got: '200, 4 bytes of body', reason: 'HEAD /items sent 4 bytes of body; an answer to HEAD has none.' })
  // HEAD may leave Content-Length out
  t.match(head({ 'HEAD /items': { status: 200, headers: { 'content-type': 'application/json' } } }), { verdict: 'pass', reason: 'HEAD answered 200 like GET, with the same headers and no body.' })
  t.match(head({ 'HEAD /items': { error: 'reset' } }), { verdict: 'fail', got: 'no answer (reset)', reason: /^HEAD can only be compared with GET when both answer \(GET: 200; HEAD: no answer \(reset\)\)\.$/ })
  t.match(head({ 'GET /items': { error: 'reset' } }), { verdict: 'fail', expected: "the status of GET, GET's headers, no body" })
})

test('problem: a problem+json body of a 405 or 501 must be a valid RFC 9457 object with the HTTP status', async (t) => {
  const problem = (body: string, status = 405, type = 'application/problem+json; charset=utf-8'): CheckResult => only(run(items, override(itemsServer, {
    'PUT /items': { status, headers: { allow: 'GET, HEAD, POST, OPTIONS', 'content-type': type }, body }
  })), 'PUT', 'problem')
  t.match(problem('<html>'), { verdict: 'fail', got: 'not JSON', reason: 'The 405 says application/problem+json, but its body is not a JSON object.' })
  t.match(problem('[1]'), { verdict: 'fail', got: 'JSON, not an object' })
  t.match(problem('null'), { verdict: 'fail', got: 'JSON, not an object' })
  t.match(problem('{"status":405,"title":5,"type":"about:blank","detail":[],"instance":"/items"}'), {
    verdict: 'fail',
    reason: 'The "title" member must be a string (RFC 9457 section 3.1), got 5. The "detail" member must be a string (RFC 9457 section 3.1), got [].'
  })
  t.match(problem('{"title":"x"}'), { verdict: 'fail', got: '"status": undefined', reason: 'The problem object has no "status" member; it should repeat the HTTP status 405.' })
  t.match(problem('{"status":"405"}'), { verdict: 'fail', reason: 'The problem object says "status": "405", but the HTTP status is 405.' })
  t.match(problem('{"status":405}'), { verdict: 'pass', expected: 'an RFC 9457 problem object with "status": 405', reason: 'The 405 body is a valid RFC 9457 problem object.' })
  // only answers that claim problem+json are checked
  t.throws(() => problem('{}', 405, 'application/json'), /expected one PUT problem result, got 0/)
  const noType = run(items, override(itemsServer, { 'PUT /items': { status: 405, headers: { allow: 'GET, HEAD, POST, OPTIONS' } } }))
  t.same(noType.filter(r => r.check === 'problem' && r.method === 'PUT'), [])
  // 501 bodies too; HEAD never has one
  const purge = run(items, override(itemsServer, { 'PURGE /items': { status: 501, headers: { 'content-type': 'application/problem+json' }, body: '{"status":500}' } }))
  t.match(only(purge, 'PURGE', 'problem').reason, /says "status": 500, but the HTTP status is 501/)
  const headProblem = run({ paths: { '/jobs': { post: { responses: {} } } } }, override(correct({ '/jobs': ['POST'] }), { 'HEAD /jobs': { status: 405, headers: { allow: 'POST, OPTIONS', 'content-type': 'application/problem+json' } } }))
  t.same(headProblem.filter(r => r.check === 'problem' && r.method === 'HEAD'), [])
})

test('unknown-method: PURGE gets 501, or 405 with Allow', async (t) => {
  const purge = (answer: Fake): CheckResult => only(run(items, override(itemsServer, { 'PURGE /items': answer })), 'PURGE', 'unknown-method')
  t.match(purge({ status: 405, headers: { allow: 'GET, POST' } }), { verdict: 'pass', reason: 'PURGE answered 405 with an Allow header.' })
  t.match(purge({ status: 405 }), { verdict: 'fail', reason: 'The 405 for PURGE has no Allow header: RFC 9110 section 15.5.6 requires one.' })
  t.match(purge({ status: 405, headers: { allow: '' } }), { verdict: 'fail' })
  t.match(purge({ status: 404 }), { verdict: 'fail', reason: 'PURGE is a method no route implements; the server answered 404, where 501 Not Implemented (RFC 9110 section 15.6.2) or 405 with Allow is expected.' })
  t.match(purge({ error: 'closed' }), { verdict: 'fail', reason: 'PURGE /items got no answer: closed.' })
  // a document that has PURGE (OpenAPI 3.2 additionalOperations): it is served like any documented method
  const withPurge = run({ openapi: '3.2.0', paths: { '/cache': { get: { responses: {} }, additionalOperations: { PURGE: { responses: {} } } } } }, correct({ '/cache': ['GET', 'PURGE'] }))
  t.same(failures(withPurge), [])
  t.equal(only(withPurge, 'PURGE', 'served').verdict, 'pass')
  t.same(withPurge.filter(r => r.check === 'unknown-method'), [])
})

test('unknown-path: 404 without Allow, for GET, DELETE and OPTIONS', async (t) => {
  const path = '/fastify-allowed-methods-audit-404'
  const unknown = (answer: Fake): CheckResult => only(run(items, override(itemsServer, { [`DELETE ${path}`]: answer })), 'DELETE', 'unknown-path')
  t.match(unknown({ status: 404 }), { verdict: 'pass', path, url: path, expected: '404 without Allow', got: '404' })
  t.match(unknown({ status: 200 }), { verdict: 'fail', reason: `${path} is not in the document, but DELETE answered 200: a route (a catch-all?) serves it. Document it, or answer 404.` })
  t.match(unknown({ status: 405, headers: { allow: 'GET' } }), { verdict: 'fail', reason: `${path} is not in the document, but DELETE answered 405 instead of 404 Not Found.` })
  t.match(unknown({ status: 404, headers: { allow: 'GET' } }), { verdict: 'fail', reason: 'The 404 carries an Allow header (GET); Allow says the resource exists, a 404 says it does not.' })
  t.match(unknown({ error: 'closed' }), { verdict: 'fail', reason: `DELETE ${path} got no answer: closed.` })
})

test('the unknown path avoids documented templates, and is left out when catch-alls cover every path', async (t) => {
  const doc = (paths: string[]): ReturnType<typeof normaliseDocument> => normaliseDocument({ openapi: '3.0.0', paths: Object.fromEntries(paths.map(p => [p, { get: {} }])) })
  t.equal(unknownPath(doc(['/items']), ''), '/fastify-allowed-methods-audit-404')
  t.equal(unknownPath(doc(['/{name}']), '/api'), '/api/fastify-allowed-methods-audit-404/no/such/path/here')
  t.equal(unknownPath(doc(['/{name}', '/{a}/{b}/{c}/{d}/{e}/{f}']), ''), '/fastify-allowed-methods-audit-404/no/such/path/here')
  t.equal(unknownPath(doc(['/{*}']), ''), undefined)
  t.equal(unknownPath(doc(['/files/{*}', '/a.b+c']), ''), '/fastify-allowed-methods-audit-404')
  const results = run({ paths: { '/{*}': { get: { responses: {} } } } }, correct({ '/1': ['GET'] }))
  t.same(results.filter(r => r.check === 'unknown-path'), [])
})

test('plans: the server prefix goes first, and a URL two paths share is requested once', async (t) => {
  const plan = planAudit(normaliseDocument({
    openapi: '3.0.0',
    paths: {
      '/a/{x}': { get: {}, parameters: [{ name: 'x', in: 'path', example: 'b' }] },
      '/a/b': { get: {}, post: {} }
    }
  }), '/v1')
  t.same(plan.paths.map(p => p.url), ['/v1/a/b', '/v1/a/b'])
  t.equal(plan.requests.length, 10 + 3)
  // safe methods first, on every URL (issue 10, item 3)
  t.same(plan.requests.slice(0, 3), [{ method: 'GET', url: '/v1/a/b' }, { method: 'HEAD', url: '/v1/a/b' }, { method: 'OPTIONS', url: '/v1/a/b' }])
})
