import { test } from 'tap'
import Fastify from 'fastify'
import { createServer } from 'node:http'
import fastifyAllowedMethods from '../lib/index'
import { audit } from '../lib/audit/index'
import type { CheckResult } from '../lib/audit/index'
import { encodeLiteral, encodeSegment } from '../lib/openapi/paths'
import { NoValueError, parameterValue, plausibleValue, requestPath } from '../lib/audit/params'
import type { ApiPath } from '../lib/openapi/document'
import { closeServer, listenServer } from './helpers/audit-servers'

// issue 10, item 2: path parameter values satisfy their schema, or the path is reported, not sent

const randexpLoaded = (): boolean => Object.keys(require.cache).some(file => /[/\\]randexp[/\\]/.test(file))

function failures (results: CheckResult[]): string[] {
  return results.filter(r => r.verdict === 'fail').map(r => `${r.method} ${r.path} ${r.check}: ${r.reason}`)
}

function noValue (schema: Record<string, unknown>): string {
  try {
    return `a value: ${plausibleValue(schema)}`
  } catch (err) {
    if (!(err instanceof NoValueError)) throw err
    return err.message
  }
}

test('the pattern generator is loaded only when a pattern needs it (first test of this file)', async (t) => {
  t.notOk(randexpLoaded())
  t.equal(plausibleValue({ type: 'string', pattern: '^[0-9]+$' }), '1')
  t.equal(plausibleValue({ type: 'integer', minimum: 3 }), '3')
  t.notOk(randexpLoaded(), 'a pattern a plain candidate satisfies needs no generator')
  t.match(plausibleValue({ type: 'string', pattern: '^AC[0-9a-fA-F]{32}$' }), /^AC[0-9a-fA-F]{32}$/)
  t.ok(randexpLoaded())
})

test('pattern: a generated value matches it, the same on every run, with the length bounds too', async (t) => {
  const sid = { type: 'string', pattern: '^AC[0-9a-fA-F]{32}$' }
  t.equal(plausibleValue(sid), plausibleValue(sid))
  for (const pattern of ['^\\d{3}-\\d{4}$', '^[A-Z]{2}\\d$', '^[a-z]{3}_[0-9]{2}$', '^(?=.*[0-9])[a-z0-9]{8}$', '^(foo|bar)-\\d+$', 'x[0-9]{2}y']) {
    t.match(plausibleValue({ type: 'string', pattern }), new RegExp(pattern, 'u'), pattern)
  }
  // lengths with a pattern: `+` grows to minLength, and stays under maxLength
  const long = plausibleValue({ type: 'string', pattern: '^[a-f]+$', minLength: 20, maxLength: 24 })
  t.match(long, /^[a-f]{20,24}$/)
  t.equal(plausibleValue({ type: 'string', pattern: '^[a-z]+$', maxLength: 2 }), 'a')
  // a `.` or a negated class gives characters that need no %-encoding first
  t.match(plausibleValue({ type: 'string', pattern: '^[^0-9]{5}$' }), /^[A-Za-z\-._~]{5}$/)
  // Swagger 2.0: the pattern is on the parameter itself; no type: the pattern still decides
  t.match(parameterValue([{ name: 'code', in: 'path', type: 'string', pattern: '^Z\\d\\d$' }]), /^Z\d\d$/)
  t.match(plausibleValue({ pattern: '^Q\\d$' }), /^Q\d$/)
  // allOf members are combined
  t.match(plausibleValue({ allOf: [{ type: 'string' }, { pattern: '^id-[0-9]{4}$' }] }), /^id-[0-9]{4}$/)
})

test('format, lengths, bounds, enum, const', async (t) => {
  t.equal(plausibleValue({ type: 'string', format: 'uuid' }), '00000000-0000-4000-8000-000000000000')
  t.equal(plausibleValue({ type: 'string', format: 'date-time' }), '2024-01-01T00:00:00Z')
  t.equal(plausibleValue({ type: 'string', format: 'email' }), 'user@example.com')
  t.equal(plausibleValue({ type: 'string', format: 'ipv6' }), '::1')
  // a format value that breaks the other constraints gives way to one that keeps them
  t.equal(plausibleValue({ type: 'string', format: 'date', maxLength: 4 }), '1')
  t.equal(plausibleValue({ type: 'string', format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), '2024-01-01')
  t.equal(plausibleValue({ type: 'string', minLength: 40 }), '1'.repeat(40))
  t.equal(plausibleValue({ type: 'string', minLength: 2, maxLength: 3 }), 'abc')
  t.equal(plausibleValue({ type: 'integer', minimum: 100, maximum: 200 }), '100')
  t.equal(plausibleValue({ type: 'integer', maximum: -5 }), '-5')
  t.equal(plausibleValue({ type: 'integer', minimum: 0, maximum: 1, exclusiveMaximum: true }), '0') // OpenAPI 3.0
  t.equal(plausibleValue({ type: 'integer', exclusiveMinimum: 10, exclusiveMaximum: 12 }), '11') // 3.1
  t.equal(plausibleValue({ type: 'integer', minimum: 10, multipleOf: 7 }), '14')
  t.equal(plausibleValue({ type: 'integer', exclusiveMinimum: 14, multipleOf: 7 }), '21')
  t.equal(plausibleValue({ type: 'number', minimum: 1.2, maximum: 1.8 }), '1.2')
  t.equal(plausibleValue({ type: 'number', minimum: 0.1, maximum: 0.3, multipleOf: 0.25 }), '0.25')
  t.equal(plausibleValue({ type: 'string', enum: ['much too long', 'ok'], maxLength: 3 }), 'ok')
  t.equal(plausibleValue({ type: 'integer', enum: [0, 5, 10], minimum: 3 }), '5')
  t.equal(plausibleValue({ enum: ['a-1', 'b'], pattern: '^[a-z]$' }), 'b')
  t.equal(plausibleValue({ type: 'string', const: 'fixed', pattern: '^x$' }), 'fixed')
  // enum members of the wrong type, or empty, are passed over
  t.equal(plausibleValue({ type: 'integer', enum: ['many', 3] }), '3')
  t.equal(plausibleValue({ enum: ['', 'x'] }), 'x')
  // examples first, as they are: the document's own value wins over the schema
  t.equal(parameterValue([{ example: 'given', schema: { type: 'string', pattern: '^[0-9]+$' } }]), 'given')
  t.equal(parameterValue([{ schema: { type: 'string', enum: ['x', 'y'], default: 'y' } }]), 'y')
})

test('a schema no value satisfies says why', async (t) => {
  t.equal(noValue({ type: 'string', minLength: 5, maxLength: 2 }), 'minLength 5 is greater than maxLength 2')
  t.equal(noValue({ type: 'string', maxLength: 0 }), 'maxLength 0 allows only the empty string, and a path segment cannot be empty')
  t.equal(noValue({ type: 'integer', minimum: 10, maximum: 5 }), 'no integer satisfies type integer, minimum 10, maximum 5')
  t.equal(noValue({ type: 'integer', minimum: 1.2, maximum: 1.8 }), 'no integer satisfies type integer, minimum 1.2, maximum 1.8')
  t.equal(noValue({ type: 'number', minimum: 0.2, maximum: 0.4, multipleOf: 0.5 }), 'no number satisfies type number, minimum 0.2, maximum 0.4, multipleOf 0.5')
  t.equal(noValue({ type: 'string', enum: ['abc', 'abcd'], maxLength: 2 }), 'no member of enum ["abc","abcd"] satisfies type string, maxLength 2')
  t.equal(noValue({ type: 'integer', enum: [1, 2], minimum: 5 }), 'no member of enum [1,2] satisfies type integer, minimum 5')
  t.equal(noValue({ type: 'string', pattern: '^[a-z]{10}$', maxLength: 5 }), 'the audit found no string that matches pattern ^[a-z]{10}$ with a length from 0 to 5')
  t.equal(noValue({ type: 'string', pattern: '^x(?!x)x$' }), 'the audit found no string that matches pattern ^x(?!x)x$')
  t.equal(noValue({ type: 'string', pattern: '^[a-z]$', minLength: 3 }), 'the audit found no string that matches pattern ^[a-z]$ with a length from 3 to Infinity')
  // a pattern randexp cannot read, but JavaScript can: no value is found either
  t.match(noValue({ type: 'string', pattern: '^\\p{Lu}\\d$' }), /^the audit found no string that matches pattern/)
  // a pattern JavaScript reads but randexp cannot (a lookbehind), that no plain candidate matches
  t.equal(noValue({ type: 'string', pattern: '(?<=x)y' }), 'the audit found no string that matches pattern (?<=x)y')
  // a pattern JavaScript cannot compile does not decide
  t.equal(noValue({ type: 'string', pattern: '(?<!unsupported', minLength: 2 }), 'a value: example')
})

test('values from a pattern are %-encoded as one path segment; literal parts that cannot be sent as written are %-encoded', async (t) => {
  const path = (template: string, parameters: Record<string, unknown[]>): ApiPath => ({
    path: template, methods: ['GET'], operations: new Map(), parameters: new Map(Object.entries(parameters) as Array<[string, Array<Record<string, unknown>>]>)
  })
  t.same(requestPath(path('/a/{v}', { v: [{ schema: { type: 'string', pattern: '^a b/c\\?$' } }] })), { url: '/a/a%20b%2Fc%3F' })
  t.same(requestPath(path('/a/{v}', { v: [{ schema: { type: 'string', pattern: '^é#$' } }] })), { url: '/a/%C3%A9%23' })
  t.same(requestPath(path('/caf\u00e9/with space/{id}/50%25/100%/a?b#c', { id: [{ example: 1 }] })), { url: '/caf%C3%A9/with%20space/1/50%25/100%25/a%3Fb%23c' })
  t.same(requestPath(path('/emoji/\u{1F600}/{v}', { v: [{ example: 'x\ud800y' }] })), { url: '/emoji/%F0%9F%98%80/x%EF%BF%BDy' })
  t.equal(encodeSegment("a-_.!~*'()b"), "a-_.!~*'()b")
  t.equal(encodeLiteral('/a:b@c;d=e,f+g$h&i'), '/a:b@c;d=e,f+g$h&i')
  t.same(requestPath(path('/x/{v}', { v: [{ schema: { type: 'string', minLength: 3, maxLength: 1 } }] })), {
    unsendable: { parameter: 'v', reason: 'minLength 3 is greater than maxLength 1' }
  })
  // an example that cannot be written at all (a circular YAML alias) is reported the same way
  const circular: Record<string, unknown> = {}
  circular.self = circular
  t.match(requestPath(path('/x/{v}', { v: [{ example: circular }] })), { unsendable: { parameter: 'v', reason: /circular/i } })
})

test('a Fastify regex route audited through its document: every check passes (the value matches the pattern)', async (t) => {
  const app = Fastify()
  await app.register(fastifyAllowedMethods)
  app.get('/Accounts/:sid(^AC[0-9a-fA-F]{32}$)', async () => ({ ok: true }))
  app.delete('/Accounts/:sid(^AC[0-9a-fA-F]{32}$)', async (_request, reply) => reply.code(204).send())
  app.get('/codes/:code(^[A-Z]{3}-\\d{2}$)', async () => ({ ok: true }))
  t.teardown(() => app.close())
  const openapi = {
    swagger: '2.0',
    info: { title: 'Twilio-like', version: '1' },
    paths: {
      '/Accounts/{Sid}': {
        parameters: [{ name: 'Sid', in: 'path', required: true, type: 'string', pattern: '^AC[0-9a-fA-F]{32}$', minLength: 34, maxLength: 34 }],
        get: { responses: { 200: { description: 'ok' } } },
        delete: { responses: { 204: { description: 'gone' } } }
      },
      '/codes/{code}': {
        get: { parameters: [{ name: 'code', in: 'path', required: true, type: 'string', pattern: '^[A-Z]{3}-\\d{2}$' }], responses: { 200: { description: 'ok' } } }
      }
    }
  }
  const report = await audit({ app, openapi })
  t.same(failures(report.results), [])
  t.match(report.results.find(r => r.path === '/Accounts/{Sid}')?.url, /^\/Accounts\/AC[0-9a-fA-F]{32}$/)
})

test('a parameter with no value that fits: one failed result naming it, nothing sent there, the rest audited', async (t) => {
  const seen: string[] = []
  const server = createServer((req, res) => {
    seen.push(`${req.method as string} ${req.url as string}`)
    const known = req.url === '/ok'
    if (!known) return res.writeHead(404).end()
    if (req.method === 'GET' || req.method === 'HEAD') return res.writeHead(200, { 'content-type': 'text/plain' }).end(req.method === 'GET' ? 'ok' : undefined)
    if (req.method === 'OPTIONS') return res.writeHead(204, { allow: 'GET, HEAD, OPTIONS' }).end()
    if (req.method === 'PURGE') return res.writeHead(501).end()
    res.writeHead(405, { allow: 'GET, HEAD, OPTIONS' }).end()
  })
  const base = await listenServer(server)
  t.teardown(() => closeServer(server))
  const openapi = {
    openapi: '3.1.0',
    info: { title: 'x', version: '1' },
    paths: {
      '/ok': { get: { responses: { 200: { description: 'ok' } } } },
      '/things/{id}': {
        get: { parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 10, maximum: 1 } }], responses: { 200: { description: 'ok' } } }
      }
    }
  }
  const report = await audit({ baseUrl: base, openapi })
  t.same(failures(report.results), [
    '* /things/{id} parameters: The path parameter {id} of /things/{id} has no value the audit can send: no integer satisfies type integer, minimum 10, maximum 1. /things/{id} was not requested; give the parameter an example that satisfies its schema.'
  ])
  t.match(report.results.find(r => r.check === 'parameters'), { path: '/things/{id}', url: '/things/{id}', method: '*', expected: 'a value for every path parameter that satisfies its schema', got: 'no value for {id}', verdict: 'fail' })
  t.notOk(seen.some(line => line.includes('/things')), 'nothing was sent to /things')
  t.ok(report.results.filter(r => r.path === '/ok').length > 5)
  t.equal(report.ok, false)
  t.match(report.summary, { failed: 1, failingPaths: 1, paths: 2 })
})
