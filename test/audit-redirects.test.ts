import { test } from 'tap'
import { createServer } from 'node:http'
import { audit } from '../lib/audit/index'
import type { CheckResult } from '../lib/audit/index'
import { describe, isRedirect, refused, served } from '../lib/audit/checks/answers'
import { closeServer, listenServer } from './helpers/audit-servers'

// issue 10, item 9: a 3xx answer is a redirect (with its Location), neither served nor refused

function find (results: CheckResult[], path: string, method: string, check: string): CheckResult | undefined {
  return results.find(r => r.path === path && r.method === method && r.check === check)
}

const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'redirects', version: '1' },
  paths: {
    '/old': { get: { responses: { 200: { description: 'ok' } } } },
    '/download': { get: { responses: { 302: { description: 'to the file' } } } },
    '/moved': { get: { responses: { '3XX': { description: 'somewhere else' } } } },
    '/items': { get: { responses: { 200: { description: 'ok' } } } }
  }
}

test('over HTTP: redirects are reported with their Location, never followed, neither served nor refused', async (t) => {
  const seen: string[] = []
  const server = createServer((req, res) => {
    const { method, url } = req as { method: string, url: string }
    seen.push(`${method} ${url}`)
    const allow = 'GET, HEAD, OPTIONS'
    if (url === '/old' && (method === 'GET' || method === 'HEAD')) return res.writeHead(301, { location: '/new' }).end()
    if (url === '/download' && (method === 'GET' || method === 'HEAD')) return res.writeHead(302, { location: 'https://cdn.example.com/file' }).end()
    if (url === '/moved' && (method === 'GET' || method === 'HEAD')) return res.writeHead(307, { location: '/elsewhere' }).end()
    if (url === '/items') {
      if (method === 'GET' || method === 'HEAD') return res.writeHead(200, { 'content-type': 'text/plain' }).end(method === 'GET' ? 'ok' : undefined)
      if (method === 'PUT') return res.writeHead(308, { location: '/items/' }).end()
      if (method === 'OPTIONS') return res.writeHead(301, { location: '/items/' }).end()
      if (method === 'PURGE') return res.writeHead(302, { location: '/login' }).end()
    }
    if (!['/old', '/download', '/moved', '/items'].includes(url)) return res.writeHead(302, { location: '/login' }).end()
    if (method === 'OPTIONS') return res.writeHead(204, { allow }).end()
    if (method === 'PURGE') return res.writeHead(501).end()
    res.writeHead(405, { allow }).end()
  })
  const base = await listenServer(server)
  t.teardown(() => closeServer(server))
  const { results } = await audit({ baseUrl: base, openapi: OPENAPI })
  t.notOk(seen.some(line => /\/new|\/login|cdn|\/items\//.test(line)), 'no redirect was followed')

  t.match(find(results, '/old', 'GET', 'served'), {
    verdict: 'fail',
    got: '301, Location: /new',
    reason: 'GET /old answered 301, a redirect to /new: neither served nor refused, and the audit does not follow redirects. Document the redirect for this operation, or audit the URL it points to (is the base URL right?).'
  })
  // a redirect the operation documents (its code, or 3XX) is what the document promises
  t.match(find(results, '/download', 'GET', 'served'), { verdict: 'pass', got: '302, Location: https://cdn.example.com/file', reason: 'GET /download answered 302, a redirect to https://cdn.example.com/file, a response the document lists for this operation.' })
  t.match(find(results, '/moved', 'GET', 'served'), { verdict: 'pass', got: '307, Location: /elsewhere' })
  // HEAD redirects like GET: the comparison passes
  t.match(find(results, '/old', 'HEAD', 'head'), { verdict: 'pass' })
  t.match(find(results, '/items', 'PUT', 'not-allowed'), {
    verdict: 'fail',
    got: '308, Location: /items/',
    reason: 'PUT is not documented for /items, and the server answered 308, a redirect to /items/: neither served nor refused. An undocumented method gets 405 Method Not Allowed with an Allow header.'
  })
  t.match(find(results, '/items', 'OPTIONS', 'options'), { verdict: 'fail', got: '301, Location: /items/', reason: /^OPTIONS \/items answered 301, a redirect to \/items\/: OPTIONS should tell a client/ })
  t.match(find(results, '/items', 'PURGE', 'unknown-method'), { verdict: 'fail', reason: 'PURGE is a method no route implements; the server answered 302, a redirect to /login (neither served nor refused), where 501 Not Implemented (RFC 9110 section 15.6.2) or 405 with Allow is expected.' })
  t.match(find(results, '/fastify-allowed-methods-audit-404', 'GET', 'unknown-path'), {
    verdict: 'fail',
    got: '302, Location: /login',
    reason: '/fastify-allowed-methods-audit-404 is not in the document, but GET answered 302, a redirect to /login: neither served nor refused, instead of 404 Not Found.'
  })
})

test('a redirect is neither served nor refused: an Allow that lists a method answering 3xx is not called a lie', async (t) => {
  const empty = Buffer.alloc(0)
  const redirect = { status: 303, headers: {}, body: empty }
  t.equal(isRedirect(redirect), true)
  t.equal(served(redirect), false)
  t.equal(refused(redirect), false)
  t.equal(describe(redirect), '303, no Location')
  t.equal(isRedirect({ status: 0, headers: {}, body: empty, error: 'reset' }), false)
  t.equal(refused({ status: 0, headers: {}, body: empty, error: 'reset' }), true)
  t.equal(isRedirect({ status: 400, headers: {}, body: empty }), false)
  t.equal(isRedirect({ status: 299, headers: {}, body: empty }), false)

  const server = createServer((req, res) => {
    const { method, url } = req as { method: string, url: string }
    const allow = 'POST, HEAD, OPTIONS'
    if (url !== '/jobs') return res.writeHead(404).end()
    if (method === 'POST') return res.writeHead(201).end()
    if (method === 'HEAD') return res.writeHead(303).end()
    if (method === 'OPTIONS') return res.writeHead(204, { allow }).end()
    if (method === 'PURGE') return res.writeHead(501).end()
    res.writeHead(405, { allow }).end()
  })
  const base = await listenServer(server)
  t.teardown(() => closeServer(server))
  const { results } = await audit({ baseUrl: base, openapi: { openapi: '3.1.0', info: { title: 'x', version: '1' }, paths: { '/jobs': { post: { responses: { 201: { description: 'ok' } } } } } } })
  // HEAD itself: 405 expected, a redirect reported as such; the Allow listing HEAD is not blamed for it
  t.match(find(results, '/jobs', 'HEAD', 'not-allowed'), { verdict: 'fail', got: '303, no Location', reason: /answered 303, a redirect with no Location: neither served nor refused/ })
  t.match(find(results, '/jobs', 'PUT', 'not-allowed'), { verdict: 'pass' })
  t.match(find(results, '/jobs', 'OPTIONS', 'options'), { verdict: 'pass' })
})
