import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import helmet from '@fastify/helmet'
import type { FastifyHelmetOptions } from '@fastify/helmet'
import fastifyAllowedMethods from '../../lib/index'
import { listen, send } from '../helpers/http'
import type { HttpResult } from '../helpers/http'
import { expectSameAnswers } from '../helpers/same-answers'

/**
 * @fastify/helmet sets its security headers in a root onRequest hook, for every request, 404s
 * included: the 405, 501 and OPTIONS answers carry them too, with the values the app's 404 gets.
 * With `global: false` helmet leaves 404s alone, and the answers that replace them likewise.
 */

type Order = 'plugin first' | 'helmet first'
const ORDERS: Order[] = ['plugin first', 'helmet first']

/** The headers helmet 8 sets by default. */
const HELMET_HEADERS = [
  'content-security-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection'
]

async function build (t: Test, order: Order | null, options: FastifyHelmetOptions = {}): Promise<string> {
  const app = Fastify()
  t.teardown(() => app.close())
  if (order === 'plugin first') await app.register(fastifyAllowedMethods)
  await app.register(helmet, options)
  if (order === 'helmet first') await app.register(fastifyAllowedMethods)
  app.get('/items', async () => ({ items: [] }))
  app.post('/items', async (request) => ({ created: request.body }))
  app.get('/page', { helmet: { frameguard: { action: 'deny' } } }, async (_request, reply) => reply.type('text/html').send('<p>hi</p>'))
  app.get('/raw', { helmet: false }, async () => 'no helmet here')
  return listen(app)
}

function helmetHeaders (res: HttpResult): Record<string, unknown> {
  return Object.fromEntries(HELMET_HEADERS.map((name) => [name, res.headers[name]]))
}

const ANSWERS: Array<[string, string, number]> = [
  ['DELETE', '/items', 405],
  ['PATCH', '/page?x=1', 405],
  ['POST', '/page', 405],
  ['PUT', '/raw', 405],
  ['OPTIONS', '/items', 204],
  ['PURGE', '/items', 501]
]

for (const order of ORDERS) {
  test(`@fastify/helmet: 405, 501 and OPTIONS answers carry helmet's headers (${order})`, async (t) => {
    const base = await build(t, order)
    const plainBase = await build(t, null)
    const notFound = await send(base, 'GET', '/nowhere')
    t.equal(notFound.status, 404)
    for (const name of HELMET_HEADERS) t.type(notFound.headers[name], 'string', `the app's 404 has ${name}`)

    for (const [method, path, status] of ANSWERS) {
      const res = await send(base, method, path)
      t.equal(res.status, status, `${method} ${path}: ${status}`)
      t.strictSame(helmetHeaders(res), helmetHeaders(notFound), `${method} ${path}: helmet's headers, as on the 404`)
      const reference = await send(plainBase, method, path)
      t.strictSame(helmetHeaders(res), helmetHeaders(reference), `${method} ${path}: as the 404 it replaces without the plugin`)
    }
    // a route's own helmet options apply to its route only: a wrong method at its URL is on the 404 path
    t.equal(notFound.headers['x-frame-options'], 'SAMEORIGIN')
    t.equal((await send(base, 'POST', '/page')).headers['x-frame-options'], 'SAMEORIGIN', 'POST /page: the 404\'s headers, not the route\'s')
    t.equal((await send(base, 'GET', '/page')).headers['x-frame-options'], 'DENY', 'the route itself keeps its own options')
    t.equal((await send(base, 'GET', '/raw')).headers['x-frame-options'], undefined, 'and helmet: false on a route still means none')
  })

  test(`@fastify/helmet: matched routes answer as without the plugin (${order})`, async (t) => {
    const base = await build(t, order)
    const plainBase = await build(t, null)
    await expectSameAnswers(t, base, plainBase, [
      { method: 'GET', path: '/items' },
      { method: 'HEAD', path: '/items' },
      { method: 'POST', path: '/items', headers: { 'content-type': 'application/json' }, body: '{"name":"box"}' },
      { method: 'GET', path: '/page' },
      { method: 'GET', path: '/raw' }
    ])
  })

  test(`@fastify/helmet with global: false leaves 405s alone as it leaves 404s (${order})`, async (t) => {
    const base = await build(t, order, { global: false })
    const notFound = await send(base, 'GET', '/nowhere')
    const wrong = await send(base, 'DELETE', '/items')
    t.equal(wrong.status, 405)
    t.equal(wrong.headers.allow, 'GET, HEAD, POST, OPTIONS')
    t.strictSame(helmetHeaders(wrong), helmetHeaders(notFound))
    t.equal(wrong.headers['content-security-policy'], undefined)
    t.equal((await send(base, 'GET', '/page')).headers['x-frame-options'], 'DENY', 'a route with its own options still gets them')
  })
}
