import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import fastifyHttpProxy from '@fastify/http-proxy'
import fastifyReplyFrom from '@fastify/reply-from'
import fastifyAllowedMethods from '../../lib/index'
import { listen, send } from '../helpers/http'
import { expectSameAnswers } from '../helpers/same-answers'
import type { Exchange } from '../helpers/same-answers'

/**
 * @fastify/http-proxy (and @fastify/reply-from, which it uses) in front of a local upstream
 * fastify: its routes, `prefix` and `prefix/*` for each method of its `httpMethods`, are routes
 * like any other, registered before or after the plugin. A proxied method is always proxied, never
 * a 405; a method outside `httpMethods` gets 405 with exactly the proxy's methods (+ OPTIONS when
 * the proxy does not forward it); URLs outside the prefixes stay 404.
 */

type Order = 'plugin first' | 'proxy first' | 'without the plugin'
const ORDERS: Order[] = ['plugin first', 'proxy first']

/** Methods of the /api proxy; GET brings fastify's automatic HEAD. */
const API_METHODS = ['GET', 'POST', 'PUT']
const API_ALLOW = 'GET, HEAD, POST, PUT, OPTIONS'
/** The /all proxy keeps the default httpMethods, which include OPTIONS: the proxy answers OPTIONS there. */
const ALL_ALLOW = 'GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH'

async function upstream (t: Test): Promise<string> {
  const up = Fastify()
  t.teardown(() => up.close())
  up.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body))
  up.all('/*', async (request, reply) => {
    reply.header('x-upstream', 'yes')
    return { method: request.method, url: request.url, body: request.body ?? null }
  })
  return listen(up)
}

async function build (t: Test, order: Order, upstreamBase: string): Promise<{ app: FastifyInstance, base: string }> {
  const app = Fastify()
  t.teardown(() => app.close())
  if (order === 'plugin first') await app.register(fastifyAllowedMethods)
  await app.register(fastifyHttpProxy, { upstream: upstreamBase, prefix: '/api', httpMethods: API_METHODS })
  await app.register(fastifyHttpProxy, { upstream: upstreamBase, prefix: '/all' })
  // a read-only proxy: GET only (its wildcard has the shape of @fastify/static's hidden one, but is visible)
  await app.register(fastifyHttpProxy, { upstream: upstreamBase, prefix: '/ro', httpMethods: ['GET'] })
  // reply-from used directly, in its own scope
  await app.register(async (scope) => {
    await scope.register(fastifyReplyFrom, { base: upstreamBase })
    scope.get('/legacy/:id', (request, reply) => reply.from(`/old/${(request.params as { id: string }).id}`))
  })
  if (order === 'proxy first') await app.register(fastifyAllowedMethods)
  app.get('/items', async () => ({ items: [] }))
  return { app, base: await listen(app) }
}

const PROXIED: Exchange[] = [
  { method: 'GET', path: '/api' },
  { method: 'GET', path: '/api/' },
  { method: 'GET', path: '/api/users/7?full=1' },
  { method: 'HEAD', path: '/api/users/7' },
  { method: 'POST', path: '/api/users', headers: { 'content-type': 'application/json' }, body: '{"name":"ann"}' },
  { method: 'POST', path: '/api', headers: { 'content-type': 'text/plain' }, body: 'raw text' },
  { method: 'PUT', path: '/api/users/7', headers: { 'content-type': 'application/json' }, body: '{"name":"bob"}' },
  { method: 'OPTIONS', path: '/all/things' },
  { method: 'DELETE', path: '/all/things/1' },
  { method: 'PATCH', path: '/all', headers: { 'content-type': 'application/json' }, body: '{}' },
  { method: 'GET', path: '/ro/a/b?c=d' },
  { method: 'HEAD', path: '/ro' },
  { method: 'GET', path: '/legacy/3' },
  { method: 'GET', path: '/items' }
]

for (const order of ORDERS) {
  test(`@fastify/http-proxy, ${order}`, async (t) => {
    const upstreamBase = await upstream(t)
    const { app, base } = await build(t, order, upstreamBase)

    t.test('every method of httpMethods is proxied, never a 405', async (t) => {
      for (const path of ['/api', '/api/', '/api/x', '/api/x/y?q=1']) {
        for (const method of [...API_METHODS, 'HEAD']) {
          const res = await send(base, method, path)
          t.equal(res.status, 200, `${method} ${path}`)
          t.equal(res.headers['x-upstream'], 'yes', 'answered by the upstream')
          t.equal(res.headers.allow, undefined)
          if (method !== 'HEAD') t.equal(JSON.parse(res.body).method, method)
        }
      }
      for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        const res = await send(base, method, '/all/x')
        t.equal(res.status, 200, `${method} /all/x`)
        t.equal(JSON.parse(res.body).method, method, 'the proxy forwarded it')
      }
      t.equal(JSON.parse((await send(base, 'GET', '/ro/x')).body).method, 'GET')
    })

    t.test('a method outside httpMethods: 405, Allow = the proxy\'s methods (+ OPTIONS when not proxied)', async (t) => {
      for (const path of ['/api', '/api/', '/api/x', '/api/x/y?q=1']) {
        for (const method of ['DELETE', 'PATCH', 'TRACE']) {
          const res = await send(base, method, path)
          t.equal(res.status, 405, `${method} ${path}`)
          t.equal(res.headers.allow, API_ALLOW)
          t.equal(res.headers['x-upstream'], undefined, 'not forwarded')
        }
        const options = await send(base, 'OPTIONS', path)
        t.equal(options.status, 204, `OPTIONS ${path}: not proxied, so the plugin answers it`)
        t.equal(options.headers.allow, API_ALLOW)
      }
      const query = await send(base, 'QUERY', '/api/x', { headers: { 'content-type': 'application/json' }, body: '{}' })
      t.equal(query.status, 405)
      t.equal(query.headers.allow, API_ALLOW)
      // (node:http frames no body for TRACE: send it without one)
      for (const [method, body] of [['TRACE', undefined], ['QUERY', '{}']]) {
        const res = await send(base, method as string, '/all/x', { headers: { 'content-type': 'application/json' }, body })
        t.equal(res.status, 405, `${method} /all/x`)
        t.equal(res.headers.allow, ALL_ALLOW)
      }
      for (const path of ['/ro', '/ro/x', '/ro/x/y']) {
        const res = await send(base, 'POST', path)
        t.equal(res.status, 405, `POST ${path}: a GET-only proxy is a visible route`)
        t.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
        const options = await send(base, 'OPTIONS', path)
        t.equal(options.status, 204, `OPTIONS ${path}`)
        t.equal(options.headers.allow, 'GET, HEAD, OPTIONS')
      }
      t.equal((await send(base, 'PURGE', '/api/x')).status, 501)
      t.equal((await send(base, 'PURGE', '/all/x')).status, 501)
      const legacy = await send(base, 'POST', '/legacy/3')
      t.equal(legacy.status, 405)
      t.equal(legacy.headers.allow, 'GET, HEAD, OPTIONS')
    })

    t.test('URLs outside the prefixes stay 404', async (t) => {
      for (const [method, path] of [['GET', '/nowhere'], ['POST', '/apix'], ['DELETE', '/apix/1'], ['OPTIONS', '/apix'], ['GET', '/al'], ['PUT', '/legacy']]) {
        const res = await send(base, method, path)
        t.equal(res.status, 404, `${method} ${path}`)
        t.equal(res.headers.allow, undefined)
      }
    })

    t.test('methodTable(), allowedMethods() and OPTIONS * include the proxy\'s routes', async (t) => {
      const table = app.methodTable()
      t.strictSame(table['/api'], ['GET', 'HEAD', 'POST', 'PUT'])
      t.strictSame(table['/api/*'], ['GET', 'HEAD', 'POST', 'PUT'])
      t.strictSame(table['/all/*'], ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'])
      t.strictSame(table['/ro/*'], ['GET', 'HEAD'])
      t.strictSame(table['/legacy/:id'], ['GET', 'HEAD'])
      t.strictSame(table['/items'], ['GET', 'HEAD'])
      for (const [pattern, methods] of Object.entries(table)) {
        t.notSame(methods, ['HEAD'], `${pattern}: no phantom HEAD-only entry`)
      }
      t.strictSame(app.allowedMethods('/api/a/b'), API_ALLOW.split(', '))
      t.strictSame(app.allowedMethods('/apix'), [])
      const star = await send(base, 'OPTIONS', '*')
      t.equal(star.status, 204)
      t.equal(star.headers.allow, ALL_ALLOW)
    })

    t.test('proxied and matched requests answer byte-for-byte as without the plugin', async (t) => {
      const reference = await build(t, 'without the plugin', upstreamBase)
      await expectSameAnswers(t, base, reference.base, PROXIED)
    })
  })
}

test('@fastify/http-proxy: methodTable() is the same in both orders', async (t) => {
  const upstreamBase = await upstream(t)
  const first = await build(t, 'plugin first', upstreamBase)
  const second = await build(t, 'proxy first', upstreamBase)
  t.strictSame(second.app.methodTable(), first.app.methodTable())
})
