import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import underPressure from '@fastify/under-pressure'
import type { FastifyUnderPressureOptions } from '@fastify/under-pressure'
import fastifyAllowedMethods from '../../lib/index'
import { listen, send } from '../helpers/http'
import { expectSameAnswers } from '../helpers/same-answers'
import type { Exchange } from '../helpers/same-answers'

/**
 * @fastify/under-pressure with `exposeStatusRoute`: its `GET /status` (added where it is
 * registered, often before everything else) is a route like any other for Allow, 405, OPTIONS and
 * methodTable(); under pressure its root onRequest hook answers 503 before anything else, so a
 * request that would get a 405 gets the same 503 a 404 gets, without Allow.
 */

type Order = 'plugin first' | 'under-pressure first' | 'without the plugin'
const ORDERS: Order[] = ['plugin first', 'under-pressure first']

interface Built {
  app: FastifyInstance
  base: string
  health: { ok: boolean }
  /** Log records at level warn (40). */
  warnings: Array<Record<string, unknown>>
}

async function build (t: Test, order: Order, options: Partial<FastifyUnderPressureOptions> = {}): Promise<Built> {
  const health = { ok: true }
  const warnings: Array<Record<string, unknown>> = []
  const app = Fastify({
    logger: {
      level: 'warn',
      stream: {
        write: (line: string) => {
          const record = JSON.parse(line)
          if (record.level === 40) warnings.push(record)
        }
      }
    }
  })
  t.teardown(() => app.close())
  if (order === 'plugin first') await app.register(fastifyAllowedMethods)
  await app.register(underPressure, {
    exposeStatusRoute: true,
    healthCheck: async () => health.ok,
    healthCheckInterval: 5,
    ...options
  })
  if (order === 'under-pressure first') await app.register(fastifyAllowedMethods)
  app.get('/items', async () => ({ items: [] }))
  app.post('/items', async () => ({ created: true }))
  return { app, base: await listen(app), health, warnings }
}

/** Turns the health check off and waits until under-pressure has noticed. */
async function pressure (built: Built): Promise<void> {
  built.health.ok = false
  const deadline = Date.now() + 2000
  while (!built.app.isUnderPressure()) {
    if (Date.now() > deadline) throw new Error('under-pressure never noticed the failed health check')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

const MATCHED: Exchange[] = [
  { method: 'GET', path: '/status' },
  { method: 'HEAD', path: '/status' },
  { method: 'GET', path: '/status?verbose=1' },
  { method: 'GET', path: '/items' },
  { method: 'POST', path: '/items', headers: { 'content-type': 'application/json' }, body: '{"name":"box"}' }
]

/** Requests that get a 405, 501 or automatic OPTIONS when healthy, and 404s. */
const UNMATCHED: Exchange[] = [
  { method: 'POST', path: '/status' },
  { method: 'DELETE', path: '/status' },
  { method: 'OPTIONS', path: '/status' },
  { method: 'PUT', path: '/items' },
  { method: 'PURGE', path: '/items' },
  { method: 'OPTIONS', path: '*' },
  { method: 'GET', path: '/nowhere' },
  { method: 'POST', path: '/nowhere' }
]

for (const order of ORDERS) {
  test(`@fastify/under-pressure, ${order}`, async (t) => {
    const built = await build(t, order)
    const { app, base } = built

    t.test('/status gets 405 + Allow for other methods, and OPTIONS 204', async (t) => {
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        const res = await send(base, method, '/status')
        t.equal(res.status, 405, `${method} /status`)
        t.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
        t.equal(res.headers['content-type'], 'application/problem+json')
        t.same(JSON.parse(res.body).allow, ['GET', 'HEAD', 'OPTIONS'])
      }
      const options = await send(base, 'OPTIONS', '/status')
      t.equal(options.status, 204)
      t.equal(options.headers.allow, 'GET, HEAD, OPTIONS')
      t.equal(options.body, '')
      t.equal((await send(base, 'PURGE', '/status')).status, 501)
      t.equal((await send(base, 'GET', '/status')).status, 200)
    })

    t.test('the app\'s own routes and unknown URLs are unchanged', async (t) => {
      const res = await send(base, 'DELETE', '/items')
      t.equal(res.status, 405)
      t.equal(res.headers.allow, 'GET, HEAD, POST, OPTIONS')
      t.equal((await send(base, 'GET', '/nowhere')).status, 404)
      t.equal((await send(base, 'OPTIONS', '/nowhere')).status, 404)
      const star = await send(base, 'OPTIONS', '*')
      t.equal(star.status, 204)
      t.equal(star.headers.allow, 'GET, HEAD, POST, OPTIONS')
    })

    t.test('methodTable() and allowedMethods() list /status', async (t) => {
      t.strictSame(app.methodTable(), { '/status': ['GET', 'HEAD'], '/items': ['GET', 'HEAD', 'POST'] })
      t.strictSame(app.allowedMethods('/status'), ['GET', 'HEAD', 'OPTIONS'])
      t.strictSame(app.allowedMethods('/status?verbose=1'), ['GET', 'HEAD', 'OPTIONS'])
    })

    t.test(order === 'plugin first' ? 'no warning' : 'one warning, naming the route registered before the plugin', async (t) => {
      if (order === 'plugin first') {
        t.strictSame(built.warnings, [])
      } else {
        t.equal(built.warnings.length, 1)
        t.match(JSON.stringify(built.warnings[0]), '/status')
        t.notMatch(JSON.stringify(built.warnings[0]), '/items', 'routes added after the plugin are not named')
      }
    })

    t.test('matched routes answer byte-for-byte as without the plugin', async (t) => {
      const reference = await build(t, 'without the plugin')
      await expectSameAnswers(t, base, reference.base, MATCHED)
    })

    t.test('under pressure, every request gets under-pressure\'s 503, exactly as without the plugin: no Allow, no method list', async (t) => {
      const pressured = await build(t, order)
      const reference = await build(t, 'without the plugin')
      await pressure(pressured)
      await pressure(reference)
      for (const ex of [...UNMATCHED, ...MATCHED]) {
        const res = await send(pressured.base, ex.method, ex.path, ex)
        t.equal(res.status, 503, `${ex.method} ${ex.path}`)
        t.equal(res.headers.allow, undefined)
        t.equal(res.headers['retry-after'], '10')
        t.notMatch(res.body, /GET, HEAD/)
      }
      await expectSameAnswers(t, pressured.base, reference.base, [...UNMATCHED, ...MATCHED])
    })
  })

  test(`@fastify/under-pressure with a pressureHandler, ${order}: its answer wins over a 405`, async (t) => {
    const options: Partial<FastifyUnderPressureOptions> = {
      pressureHandler: (_request, reply) => {
        reply.code(503).header('x-busy', 'yes').send({ busy: true })
      }
    }
    const pressured = await build(t, order, options)
    const reference = await build(t, 'without the plugin', options)
    t.equal((await send(pressured.base, 'POST', '/status')).status, 405, 'healthy: a 405')
    await pressure(pressured)
    await pressure(reference)
    const res = await send(pressured.base, 'POST', '/status')
    t.equal(res.status, 503)
    t.equal(res.headers['x-busy'], 'yes')
    t.equal(res.headers.allow, undefined)
    t.strictSame(JSON.parse(res.body), { busy: true })
    await expectSameAnswers(t, pressured.base, reference.base, UNMATCHED)
  })
}
