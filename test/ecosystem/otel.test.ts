import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import FastifyOtelInstrumentation from '@fastify/otel'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import fastifyAllowedMethods from '../../lib/index'
import { listen, send } from '../helpers/http'
import { expectSameAnswers } from '../helpers/same-answers'

/**
 * @fastify/otel (its README: register it first, awaited) wraps `addHook` and replaces
 * `setNotFoundHandler` with a version that throws without a handler. In either order the plugin's
 * hook stays in the notFound contexts: matched routes carry exactly the hooks, and produce exactly
 * the spans, of the same app without the plugin; no fallback warning; a 405, 501 or automatic
 * OPTIONS gets the spans a 404 gets.
 */

type Order = 'plugin first' | 'otel first' | 'without the plugin'
const ORDERS: Order[] = ['plugin first', 'otel first']

interface Setup {
  /** A root preHandler hook that lets every request through (an auth hook's shape). */
  preHandler?: boolean
  /** The app's own root 404 handler, set after both plugins. */
  notFoundHandler?: boolean
}

interface Built {
  app: FastifyInstance
  base: string
  exporter: InMemorySpanExporter
  /** Log records at level warn or above. */
  warnings: Array<Record<string, unknown>>
}

async function build (t: Test, order: Order, setup: Setup = {}): Promise<Built> {
  // one exporter per app: the spans of an app are its own
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const instrumentation = new FastifyOtelInstrumentation()
  instrumentation.setTracerProvider(provider)

  const warnings: Array<Record<string, unknown>> = []
  const app = Fastify({
    logger: { level: 'warn', stream: { write: (line: string) => { warnings.push(JSON.parse(line)) } } }
  })
  t.teardown(() => app.close())
  if (order === 'plugin first') await app.register(fastifyAllowedMethods)
  await app.register(instrumentation.plugin())
  if (order === 'otel first') await app.register(fastifyAllowedMethods)
  if (setup.preHandler === true) app.addHook('preHandler', async function auth () {})
  if (setup.notFoundHandler === true) {
    app.setNotFoundHandler(async function notFound (request, reply) {
      return reply.code(404).send({ missing: request.url })
    })
  }
  app.get('/items', async () => ({ items: [] }))
  app.post('/items', async () => ({ created: true }))
  app.get('/items/:id', async function item (request) { return { id: (request.params as { id: string }).id } })
  await app.register(async (child) => {
    child.addHook('onRequest', async function scoped () {})
    child.get('/health', async () => 'ok')
  }, { prefix: '/v1' })
  return { app, base: await listen(app), exporter, warnings }
}

/** The spans one request produced (the request span ends last: in onSend, or onResponse on the 404 path). */
async function spansOf (built: Built, method: string, path: string): Promise<{ status: number, allow: unknown, spans: ReadableSpan[] }> {
  built.exporter.reset()
  const res = await send(built.base, method, path)
  const deadline = Date.now() + 1000
  while (!built.exporter.getFinishedSpans().some((span) => span.name === 'request')) {
    if (Date.now() > deadline) throw new Error(`no request span for ${method} ${path}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  return { status: res.status, allow: res.headers.allow, spans: built.exporter.getFinishedSpans() }
}

/**
 * What a tracing backend shows of the spans, comparable across requests and apps: the plugin
 * chain in otel's names (`fastify -> fastify-allowed-methods -> @fastify/otel`) left out, and,
 * with `requestFacts: false`, the request's method, path and status left out.
 */
function shape (spans: ReadableSpan[], requestFacts = true): unknown[] {
  const clean = (value: unknown): unknown => typeof value === 'string' ? value.replaceAll(' -> fastify-allowed-methods', '').replaceAll('fastify-allowed-methods -> ', '') : value
  return spans.map((span) => {
    const attributes: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(span.attributes)) {
      if (!requestFacts && ['http.request.method', 'url.path', 'http.response.status_code'].includes(key)) continue
      attributes[key] = clean(value)
    }
    return { name: clean(span.name), kind: span.kind, status: span.status.code, attributes }
  }).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
}

function requestSpan (spans: ReadableSpan[]): ReadableSpan {
  const span = spans.find((s) => s.name === 'request')
  if (span === undefined) throw new Error('no request span')
  return span
}

const MATCHED: Array<[string, string]> = [['GET', '/items'], ['HEAD', '/items'], ['POST', '/items'], ['GET', '/items/7?x=1'], ['GET', '/v1/health']]

const SETUPS: Array<{ name: string, setup: Setup }> = [
  { name: 'no other hook', setup: {} },
  { name: 'a root preHandler hook', setup: { preHandler: true } },
  { name: 'the app\'s own 404 handler', setup: { notFoundHandler: true } }
]

for (const order of ORDERS) {
  for (const { name, setup } of SETUPS) {
    test(`@fastify/otel, ${order}, ${name}`, async (t) => {
      const built = await build(t, order, setup)
      const reference = await build(t, 'without the plugin', setup)
      const { app, base } = built

      t.test('405, OPTIONS and 501 are answered', async (t) => {
        const res = await send(base, 'DELETE', '/items')
        t.equal(res.status, 405)
        t.equal(res.headers.allow, 'GET, HEAD, POST, OPTIONS')
        const options = await send(base, 'OPTIONS', '/items/7')
        t.equal(options.status, 204)
        t.equal(options.headers.allow, 'GET, HEAD, OPTIONS')
        t.equal((await send(base, 'PURGE', '/items')).status, 501)
        t.equal((await send(base, 'POST', '/v1/health')).status, 405)
        const missing = await send(base, 'GET', '/nowhere')
        t.equal(missing.status, 404)
        if (setup.notFoundHandler === true) t.strictSame(JSON.parse(missing.body), { missing: '/nowhere' }, 'the app\'s own 404 handler answers')
      })

      t.test('no plugin hook on any route: the route hook lists are those of the app without the plugin', async (t) => {
        t.equal(app.printRoutes({ includeHooks: true }), reference.app.printRoutes({ includeHooks: true }))
        t.equal(app.printRoutes({ includeHooks: true, commonPrefix: false }), reference.app.printRoutes({ includeHooks: true, commonPrefix: false }))
      })

      t.test('no warning logged (no fallback)', async (t) => {
        t.strictSame(built.warnings, [])
        t.strictSame(reference.warnings, [])
      })

      t.test('matched routes: the same spans as without the plugin, and the same answers byte-for-byte', async (t) => {
        for (const [method, path] of MATCHED) {
          const got = await spansOf(built, method, path)
          const want = await spansOf(reference, method, path)
          t.equal(got.status, want.status, `${method} ${path}`)
          t.strictSame(shape(got.spans), shape(want.spans), `${method} ${path}: no extra span, none missing`)
        }
        await expectSameAnswers(t, base, reference.base, MATCHED.map(([method, path]) => ({ method, path })))
      })

      t.test('a 405, 501 or automatic OPTIONS gets the spans of the 404 it replaces', async (t) => {
        // the app's own 404 handler runs for a 404 only: its span is the one difference
        const withoutHandler = (spans: ReadableSpan[]): ReadableSpan[] => spans.filter((span) => !String(span.attributes['hook.name']).endsWith('not-found-handler'))
        for (const [method, path, status] of [['DELETE', '/items', 405], ['POST', '/items/7', 405], ['OPTIONS', '/items', 204], ['PURGE', '/items', 501], ['PUT', '/v1/health', 405]] as const) {
          const got = await spansOf(built, method, path)
          const replaced = await spansOf(reference, method, path)
          t.equal(got.status, status, `${method} ${path}`)
          t.equal(replaced.status, 404, 'a 404 without the plugin')
          t.strictSame(shape(got.spans, false), shape(withoutHandler(replaced.spans), false), `${method} ${path}: the spans of the 404 without the plugin`)
          const span = requestSpan(got.spans)
          t.equal(span.attributes['http.response.status_code'], status)
          t.equal(span.attributes['http.request.method'], method)
          t.equal(span.attributes['url.path'], path)
          t.equal(span.attributes['http.route'], undefined, 'no route, like a 404')
          t.equal(span.ended, true)
        }
      })

      t.test('a 404 keeps the spans it has without the plugin', async (t) => {
        for (const [method, path] of [['GET', '/nowhere'], ['POST', '/v1/nowhere'], ['OPTIONS', '/nowhere']]) {
          const got = await spansOf(built, method, path)
          const plain = await spansOf(reference, method, path)
          t.equal(got.status, 404)
          t.strictSame(shape(got.spans), shape(plain.spans), `${method} ${path}`)
        }
      })
    })
  }
}
