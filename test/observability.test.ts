import { test } from 'tap'
import type { Test } from 'tap'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { Counter, Registry } from 'prom-client'
import fastifyAllowedMethods, { ANSWER_CHANNEL } from '../lib/index'
import type { AllowedMethodsAnswerMessage, FastifyAllowedMethodsOptions } from '../lib/index'
import { send } from './helpers/http'
import { appWithLog } from './helpers/log'

/**
 * Issue 12, item 3: every 405, 501 and automatic OPTIONS answer is published on the
 * `node:diagnostics_channel` channel `fastify-allowed-methods.answer`, with
 * `{ request, reply, status, method, allow, patterns }`, before the answer is sent; 404s and
 * matched routes publish nothing. The two recipes of docs/observability.md (a prom-client counter,
 * a log line for recurring 405s) are run as written.
 */

interface Seen {
  status: number
  method: string
  url: string
  allow: string[]
  patterns: string[]
  /** What the subscriber saw of the reply: not sent yet, its status and Allow already set. */
  sent: boolean
  replyStatus: number
  allowHeader: unknown
}

function listen (t: Test): Seen[] {
  const seen: Seen[] = []
  const onMessage = (message: unknown): void => {
    const m = message as AllowedMethodsAnswerMessage
    seen.push({
      status: m.status,
      method: m.method,
      url: m.request.url,
      allow: m.allow,
      patterns: m.patterns,
      sent: m.reply.sent,
      replyStatus: m.reply.statusCode,
      allowHeader: m.reply.getHeader('allow')
    })
  }
  subscribe(ANSWER_CHANNEL, onMessage)
  t.teardown(() => { unsubscribe(ANSWER_CHANNEL, onMessage) })
  return seen
}

async function build (t: Test, options: FastifyAllowedMethodsOptions = {}, setup?: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods, options)
  setup?.(app)
  app.get('/items/:id', async () => 'item')
  app.put('/items/:id', async () => 'replaced')
  app.delete('/items/special', async () => 'deleted')
  app.get('/health', async () => 'ok')
  await app.ready()
  return app
}

test('the channel name is exported', async (t) => {
  t.equal(ANSWER_CHANNEL, 'fastify-allowed-methods.answer')
})

test('405, 501 and OPTIONS are published before they are sent; 404 and matched routes are not', async (t) => {
  const seen = listen(t)
  const app = await build(t)
  for (let i = 0; i < 2; i++) {
    // the second time, the remembered answer: published all the same
    t.equal((await app.inject({ method: 'PATCH', url: '/items/special?x=1' })).statusCode, 405)
  }
  t.equal((await app.inject({ method: 'OPTIONS', url: '/items/7' })).statusCode, 204)
  t.equal((await app.inject({ method: 'PURGE', url: '/items/7' })).statusCode, 501)
  t.equal((await app.inject({ method: 'PURGE', url: '/nowhere' })).statusCode, 501)
  const tooLong = `/items/${'x'.repeat(150)}`
  t.equal((await app.inject({ method: 'PURGE', url: tooLong })).statusCode, 501, 'a URL the router rejects for every method (a parameter over maxParamLength)')
  t.equal((await app.inject({ method: 'GET', url: '/nowhere' })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: '/items/7' })).statusCode, 200)
  const special = { status: 405, method: 'PATCH', url: '/items/special?x=1', allow: ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'], patterns: ['/items/:id', '/items/special'], sent: false, replyStatus: 405, allowHeader: 'GET, HEAD, PUT, DELETE, OPTIONS' }
  t.same(seen, [
    special,
    special,
    { status: 204, method: 'OPTIONS', url: '/items/7', allow: ['GET', 'HEAD', 'PUT', 'OPTIONS'], patterns: ['/items/:id'], sent: false, replyStatus: 204, allowHeader: 'GET, HEAD, PUT, OPTIONS' },
    { status: 501, method: 'PURGE', url: '/items/7', allow: [], patterns: ['/items/:id'], sent: false, replyStatus: 501, allowHeader: undefined },
    { status: 501, method: 'PURGE', url: '/nowhere', allow: [], patterns: [], sent: false, replyStatus: 501, allowHeader: undefined },
    { status: 501, method: 'PURGE', url: tooLong, allow: [], patterns: [], sent: false, replyStatus: 501, allowHeader: undefined }
  ])
})

test('OPTIONS * (real TCP: inject cannot send it): the server-wide methods, no pattern', async (t) => {
  const seen = listen(t)
  const app = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const res = await send(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`, 'OPTIONS', '*')
  t.equal(res.status, 204)
  t.same(seen.map(s => [s.status, s.allow, s.patterns]), [[204, ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'], []]])
})

test('useErrorHandler, a root preHandler (late answer), a host constraint: published all the same', async (t) => {
  const seen = listen(t)
  const app = await build(t, { useErrorHandler: true }, (app) => {
    app.addHook('preHandler', async () => {})
    app.post('/tenants/:id', { constraints: { host: 'admin.example.test' } }, async () => 'created')
    app.get('/tenants/:id', async () => 'tenant')
  })
  t.equal((await app.inject({ method: 'DELETE', url: '/items/1' })).statusCode, 405)
  t.equal((await app.inject({ method: 'PURGE', url: '/items/1' })).statusCode, 501)
  t.equal((await app.inject({ method: 'PATCH', url: '/tenants/1', headers: { host: 'admin.example.test' } })).statusCode, 405)
  t.equal((await app.inject({ method: 'PATCH', url: '/tenants/1', headers: { host: 'www.example.test' } })).statusCode, 405)
  t.same(seen.map(s => [s.status, s.method, s.allow.join(' '), s.patterns]), [
    [405, 'DELETE', 'GET HEAD PUT OPTIONS', ['/items/:id']],
    [501, 'PURGE', '', ['/items/:id']],
    [405, 'PATCH', 'GET HEAD POST OPTIONS', ['/tenants/:id']],
    [405, 'PATCH', 'GET HEAD OPTIONS', ['/tenants/:id']]
  ])
})

test('a subscriber that unsubscribes gets nothing more', async (t) => {
  const seen: unknown[] = []
  const onMessage = (m: unknown): void => { seen.push(m) }
  subscribe(ANSWER_CHANNEL, onMessage)
  const app = await build(t)
  await app.inject({ method: 'PATCH', url: '/items/1' })
  unsubscribe(ANSWER_CHANNEL, onMessage)
  await app.inject({ method: 'PATCH', url: '/items/1' })
  t.equal(seen.length, 1)
})

test('docs/observability.md recipe: a prom-client counter by status, method and route pattern', async (t) => {
  const registry = new Registry()
  // --- recipe (docs/observability.md) ---
  const answers = new Counter({
    name: 'http_method_answers_total',
    help: '405, 501 and automatic OPTIONS answers of fastify-allowed-methods',
    labelNames: ['status', 'method', 'route'],
    registers: [registry]
  })
  const count = (message: unknown): void => {
    const { status, method, patterns } = message as AllowedMethodsAnswerMessage
    // route patterns, never the raw URL: the label values are bounded by the app's routes
    answers.inc({ status, method, route: patterns.join(' ') || '(none)' })
  }
  subscribe('fastify-allowed-methods.answer', count)
  // --- end of recipe ---
  t.teardown(() => { unsubscribe('fastify-allowed-methods.answer', count) })
  const app = await build(t)
  for (const id of ['1', '2', '3']) await app.inject({ method: 'PATCH', url: `/items/${id}` })
  await app.inject({ method: 'OPTIONS', url: '/health' })
  await app.inject({ method: 'PURGE', url: '/random/never/seen' })
  const text = await registry.metrics()
  t.match(text, 'http_method_answers_total{status="405",method="PATCH",route="/items/:id"} 3')
  t.match(text, 'http_method_answers_total{status="204",method="OPTIONS",route="/health"} 1')
  t.match(text, 'http_method_answers_total{status="501",method="PURGE",route="(none)"} 1')
  t.notMatch(text, '/items/1', 'no raw URL in any label')
})

test('docs/observability.md recipe: a log line for recurring 405s', async (t) => {
  const { app, lines } = appWithLog()
  t.teardown(() => app.close())
  // --- recipe (docs/observability.md) ---
  const recurring = new Map<string, number>()
  const logRecurring = (message: unknown): void => {
    const { status, method, allow, patterns, request } = message as AllowedMethodsAnswerMessage
    if (status !== 405) return
    const key = `${method} ${patterns.join(' ')}`
    const n = (recurring.get(key) ?? 0) + 1
    recurring.set(key, n)
    // 1st, 10th, 100th... time: a client keeps sending a method this resource does not support
    if (Number.isInteger(Math.log10(n))) {
      request.log.warn({ method, patterns, allow, count: n }, 'recurring 405: a client keeps sending a method this resource does not support')
    }
  }
  subscribe('fastify-allowed-methods.answer', logRecurring)
  // --- end of recipe ---
  t.teardown(() => { unsubscribe('fastify-allowed-methods.answer', logRecurring) })
  await app.register(fastifyAllowedMethods)
  app.get('/items/:id', async () => 'item')
  await app.ready()
  for (let i = 0; i < 12; i++) await app.inject({ method: 'DELETE', url: `/items/${i}` })
  const warnings = lines.filter(l => l.msg.startsWith('recurring 405'))
  t.same(warnings.map(l => [l.count, l.method, l.patterns, l.allow]), [
    [1, 'DELETE', ['/items/:id'], ['GET', 'HEAD', 'OPTIONS']],
    [10, 'DELETE', ['/items/:id'], ['GET', 'HEAD', 'OPTIONS']]
  ])
})

test('a route fastify refused after onRoute saw it (a duplicate the app caught) leaves the patterns right', async (t) => {
  const seen = listen(t)
  const app = await build(t, {}, (app) => {
    app.get('/dup/:id', async () => 'first')
    t.throws(() => app.get('/dup/:id', async () => 'second'), { code: 'FST_ERR_DUPLICATED_ROUTE' })
  })
  t.equal((await app.inject({ method: 'DELETE', url: '/dup/1' })).statusCode, 405)
  t.same(seen.map(s => s.patterns), [['/dup/:id']])
})
