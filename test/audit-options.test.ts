import { test } from 'tap'
import Fastify from 'fastify'
import * as auditModule from '../lib/audit/index'
import { audit } from '../lib/audit/index'
import { requestPrefix } from '../lib/audit/plan'
import type { AuditOptions } from '../lib/audit/index'

const doc = { openapi: '3.1.0', info: { title: 'One', version: '1' }, paths: { '/one': { get: { responses: { 200: { description: 'ok' } } } } } }

test('audit() refuses options it cannot use, with a coded error that says what to pass', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  const cases: Array<[unknown, RegExp]> = [
    [undefined, /pass an options object: audit\(\{ app \}\) or audit\(\{ baseUrl, openapi \}\)/],
    [null, /pass an options object/],
    [{}, /pass either `app` \(a Fastify instance\) or `baseUrl` \(an http\(s\) URL\), not both or neither/],
    [{ app, baseUrl: 'http://127.0.0.1:1' }, /not both or neither/],
    [{ app: {} }, /option "app" must be a Fastify instance \(it has no inject\(\)\)/],
    [{ app: null, baseUrl: undefined }, /option "app" must be a Fastify instance/],
    [{ app: 'fastify' }, /option "app" must be a Fastify instance/],
    [{ app, openapi: 5 }, /option "openapi" must be a document object, a file path or an http\(s\) URL/],
    [{ app, openapi: [] }, /option "openapi" must be/],
    [{ app, openapi: null }, /option "openapi" must be/],
    [{ app, concurrency: 0 }, /option "concurrency" must be a positive integer, got 0/],
    [{ app, timeout: 1.5 }, /option "timeout" must be a positive integer, got 1\.5/],
    [{ app, maxRequests: '10' }, /option "maxRequests" must be a positive integer, got 10/],
    [{ app, headers: 'x' }, /option "headers" must be an object of header names to string values/],
    [{ app, headers: null }, /option "headers" must be an object/],
    [{ app, headers: ['a'] }, /option "headers" must be an object/],
    [{ app, headers: { 'x-a': 1 } }, /header "x-a" cannot be sent: the value must be a string/],
    [{ app, headers: { 'x-a': 'a\r\nx-b: injected' } }, /header "x-a" cannot be sent: Invalid character in header content/],
    [{ baseUrl: 'file:///etc/passwd' }, /the base URL "file:\/\/\/etc\/passwd" is not an http:\/\/ or https:\/\/ URL/]
  ]
  for (const [options, message] of cases) {
    await t.rejects(audit(options as AuditOptions), { code: 'FST_ALLOWED_METHODS_AUDIT_OPTION', message }, String(message))
  }
})

test('in-process: the app is made ready, options are honoured, the request budget is checked before any request', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  const seen: string[] = []
  app.addHook('onRequest', async (request) => { seen.push(`${request.method} ${String(request.headers['x-audit'])}`) })
  app.get('/one', async () => 'one')
  await t.rejects(audit({ app, openapi: doc, maxRequests: 12 }), { code: 'FST_ALLOWED_METHODS_AUDIT_OPTION', message: /the document needs 13 requests, more than maxRequests \(12\)/ })
  t.same(seen, [], 'nothing was sent')
  const progress: string[] = []
  const report = await audit({ app, openapi: doc, headers: { 'x-audit': 'yes' }, concurrency: 1, onProgress: (done, total) => progress.push(`${done}/${total}`) })
  t.equal(seen.length, 13)
  t.ok(seen.every(s => s.endsWith(' yes')))
  t.same(progress.slice(0, 2), ['1/13', '2/13'])
  t.equal(progress.length, 13)
  t.match(report, { target: 'in-process', document: { source: '(object)', title: 'One' } })
  await t.rejects(audit({ app, openapi: { openapi: '3.1.0', paths: { nope: {} } } }), {
    code: 'FST_ALLOWED_METHODS_AUDIT_DOCUMENT',
    message: 'fastify-allowed-methods audit: the document given as an object has a path "nope" that does not start with "/"'
  })
})

test('the package entry fastify-allowed-methods/audit exports audit, formatReport and the error constructors', async (t) => {
  t.same(Object.keys(auditModule).sort(), ['FST_ALLOWED_METHODS_AUDIT_DOCUMENT', 'FST_ALLOWED_METHODS_AUDIT_NETWORK', 'FST_ALLOWED_METHODS_AUDIT_NO_ANSWER', 'FST_ALLOWED_METHODS_AUDIT_OPTION', 'audit', 'formatReport'])
  const err = await audit({ app: {} as never }).catch((e: unknown) => e)
  t.ok(err instanceof auditModule.FST_ALLOWED_METHODS_AUDIT_OPTION)
  t.ok(err instanceof TypeError)
  t.equal(new auditModule.FST_ALLOWED_METHODS_AUDIT_DOCUMENT('x').code, 'FST_ALLOWED_METHODS_AUDIT_DOCUMENT')
  t.equal(new auditModule.FST_ALLOWED_METHODS_AUDIT_NETWORK('http://h', 'ECONNREFUSED').message, 'fastify-allowed-methods audit: cannot reach http://h (ECONNREFUSED); is the server running and the base URL right?')
})

test('in-process discovery through inject, and a document without a title', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/one', async () => 'one')
  app.get('/swagger.json', async () => ({ openapi: '3.0.3', paths: { '/one': { get: {} } } }))
  const sources: string[] = []
  const report = await audit({ app, onDocument: s => sources.push(s) })
  t.same(sources, ['/swagger.json'])
  t.equal(report.document.source, '/swagger.json')
  t.equal(report.document.title, undefined)
  t.notOk('title' in report.document)
})

test('the request prefix: base URL path, then the document server path unless the base URL ends with it', async (t) => {
  t.equal(requestPrefix('', ''), '')
  t.equal(requestPrefix('', '/v1'), '/v1')
  t.equal(requestPrefix('/api', ''), '/api')
  t.equal(requestPrefix('/api', '/v1'), '/api/v1')
  t.equal(requestPrefix('/api/v1', '/v1'), '/api/v1')
  t.equal(requestPrefix('/v1', '/1'), '/v1/1')
})
