import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import fastifyMetrics from 'fastify-metrics'
import { Registry } from 'prom-client'
import fastifyAllowedMethods from '../../lib/index'
import { listen, send } from '../helpers/http'
import { expectSameAnswers } from '../helpers/same-answers'

/**
 * fastify-metrics 13 asks to be registered first (it collects the routes in onRoute) and adds
 * `GET /metrics`. That route is handled like any other, and a 405 is labelled like the 404 it
 * replaces: with `registeredRoutesOnly` (the default) neither is counted; without it both share the
 * route label `__unknown__`. Random URLs and wrong methods never grow the number of series.
 */

type Order = 'plugin first' | 'fastify-metrics first' | 'without the plugin'
const ORDERS: Order[] = ['plugin first', 'fastify-metrics first']

async function build (t: Test, order: Order, registeredRoutesOnly = true): Promise<{ app: FastifyInstance, base: string }> {
  // each app gets its own registry: several apps live in this process at once
  const registry = new Registry()
  const app = Fastify()
  t.teardown(() => app.close())
  if (order === 'plugin first') await app.register(fastifyAllowedMethods)
  await app.register(fastifyMetrics, {
    endpoint: '/metrics',
    defaultMetrics: { enabled: false },
    routeMetrics: {
      registeredRoutesOnly,
      overrides: { histogram: { registers: [registry] }, summary: { registers: [registry] } }
    }
  })
  if (order === 'fastify-metrics first') await app.register(fastifyAllowedMethods)
  app.get('/items', async () => ({ items: [] }))
  app.post('/items', async () => ({ created: true }))
  app.get('/items/:id', async (request) => ({ id: (request.params as { id: string }).id }))
  return { app, base: await listen(app) }
}

/** The request-count series of /metrics: `{labels} -> count`. */
async function series (base: string): Promise<Map<string, number>> {
  const res = await send(base, 'GET', '/metrics')
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`)
  const counts = new Map<string, number>()
  for (const line of res.body.split('\n')) {
    const match = /^http_request_duration_seconds_count\{(.*)\} (\d+)$/.exec(line)
    if (match !== null) counts.set(match[1], Number(match[2]))
  }
  return counts
}

function labelsOf (key: string): Record<string, string> {
  return Object.fromEntries([...key.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]))
}

function randomSegment (): string {
  return Math.random().toString(36).slice(2, 10)
}

/**
 * 200 requests nobody routes: wrong methods on known URLs (405 with the plugin), random URLs
 * (404), methods no route implements (501 with the plugin). The same list for every app compared.
 */
function noise (): Array<{ method: string, path: string }> {
  const list: Array<{ method: string, path: string }> = []
  const wrong = ['PUT', 'DELETE', 'PATCH', 'POST']
  for (let i = 0; i < 200; i++) {
    const id = randomSegment()
    switch (i % 5) {
      case 0: list.push({ method: wrong[i % 4], path: `/items/${id}` }); break
      case 1: list.push({ method: 'DELETE', path: `/items?page=${id}` }); break
      case 2: list.push({ method: 'GET', path: `/${id}/${randomSegment()}` }); break
      case 3: list.push({ method: wrong[i % 4], path: `/random/${id}` }); break
      default: list.push({ method: 'POST', path: `/metrics?x=${id}` })
    }
  }
  return list
}

for (const order of ORDERS) {
  test(`fastify-metrics, ${order}`, async (t) => {
    const { app, base } = await build(t, order)

    t.test('/metrics is handled: 405 + Allow, OPTIONS, methodTable()', async (t) => {
      const metrics = await send(base, 'GET', '/metrics')
      t.equal(metrics.status, 200)
      t.match(metrics.headers['content-type'], /^text\/plain/)
      for (const method of ['POST', 'PUT', 'DELETE', 'HEAD']) {
        const res = await send(base, method, '/metrics')
        t.equal(res.status, 405, `${method} /metrics (fastify-metrics registers it with exposeHeadRoute: false)`)
        t.equal(res.headers.allow, 'GET, OPTIONS')
      }
      const options = await send(base, 'OPTIONS', '/metrics')
      t.equal(options.status, 204)
      t.equal(options.headers.allow, 'GET, OPTIONS')
      t.strictSame(app.methodTable(), { '/metrics': ['GET'], '/items': ['GET', 'HEAD', 'POST'], '/items/:id': ['GET', 'HEAD'] })
      t.strictSame(app.allowedMethods('/metrics'), ['GET', 'OPTIONS'])
      const star = await send(base, 'OPTIONS', '*')
      t.equal(star.headers.allow, 'GET, HEAD, POST, OPTIONS')
    })

    t.test('matched routes answer byte-for-byte as without the plugin, and are counted the same', async (t) => {
      const reference = await build(t, 'without the plugin')
      await expectSameAnswers(t, base, reference.base, [
        { method: 'GET', path: '/items' },
        { method: 'HEAD', path: '/items' },
        { method: 'GET', path: '/items/42?full=1' },
        { method: 'POST', path: '/items', headers: { 'content-type': 'application/json' }, body: '{}' }
      ])
      const metrics = await send(base, 'GET', '/metrics')
      const plain = await send(reference.base, 'GET', '/metrics')
      t.equal(metrics.status, plain.status)
      t.equal(metrics.headers['content-type'], plain.headers['content-type'])
      t.strictSame([...(await series(base)).keys()].sort(), [...(await series(reference.base)).keys()].sort(), 'the same series')
    })
  })

  for (const registeredRoutesOnly of [true, false]) {
    test(`fastify-metrics with registeredRoutesOnly: ${registeredRoutesOnly}, ${order}: 405s are labelled like 404s, no cardinality growth`, async (t) => {
      const { base } = await build(t, order, registeredRoutesOnly)
      const reference = await build(t, 'without the plugin', registeredRoutesOnly)
      await series(base)
      await series(reference.base) // both apps count one GET /metrics
      const requests = noise()
      const statuses = new Map<number, number>()
      for (let i = 0; i < requests.length; i += 20) {
        await Promise.all(requests.slice(i, i + 20).map(async ({ method, path }) => {
          const res = await send(base, method, path)
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
          await send(reference.base, method, path)
        }))
      }
      t.strictSame(Object.fromEntries(statuses), { 405: 120, 404: 80 }, 'the plugin answered 405 to wrong methods on known URLs')

      const after = await series(base)
      const plain = await series(reference.base)
      const routes = new Set([...after.keys()].map((key) => labelsOf(key).route))
      const plainRoutes = new Set([...plain.keys()].map((key) => labelsOf(key).route))
      t.strictSame([...routes].sort(), [...plainRoutes].sort(), 'the same route labels as without the plugin')
      for (const route of routes) t.notMatch(route, /^\/(items\/|random\/|metrics\?)|^\/[a-z0-9]{8}\//, `no label for a concrete URL: ${route}`)

      // with the plugin, the series are those of the plain app, its 404s on known URLs now 405s
      const expected = new Map<string, number>()
      for (const [key, count] of plain) {
        const labels = labelsOf(key)
        if (labels.status_code !== '404') continue
        expected.set(key, count)
      }
      const got405 = [...after].filter(([key]) => labelsOf(key).status_code === '405')
      const got404 = [...after].filter(([key]) => labelsOf(key).status_code === '404')
      if (registeredRoutesOnly) {
        t.strictSame([...after.keys()], [...plain.keys()], 'unrouted requests are not counted, as without the plugin')
        t.strictSame([...routes], ['/metrics'])
        t.equal(got405.length, 0)
        t.equal(expected.size, 0, 'the plain app did not count its 404s either')
      } else {
        t.ok(got405.length > 0, 'the 405s are counted')
        for (const [key] of [...got405, ...got404]) t.equal(labelsOf(key).route, '__unknown__', `${key}: the 404s' label`)
        t.ok(after.size <= 12, `a handful of series (method x status), not one per URL: ${after.size}`)
        const total = (entries: Array<[string, number]>): number => entries.reduce((sum, [, count]) => sum + count, 0)
        t.equal(total(got405) + total(got404), total([...expected]), 'every request counted once, as the plain app counted its 404s')
        t.equal(total(got405), 120)
      }
    })
  }
}
