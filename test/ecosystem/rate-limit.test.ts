import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import fastifyAllowedMethods from '../../lib/index'
import { listen, send } from '../helpers/http'
import { exchange, expectSameAnswers } from '../helpers/same-answers'
import type { Answer, Exchange } from '../helpers/same-answers'

/**
 * @fastify/rate-limit. Its global limiter hooks routes only (onRoute): fastify's 404s are never
 * limited, so neither are the 405, 501 and OPTIONS answers that replace them. Its README protects
 * 404s with `setNotFoundHandler({ preHandler: app.rateLimit() }, handler)`: then 405, 501 and
 * OPTIONS answers count against the same limit as 404s and, past it, get the same 429 (without
 * Allow), exactly as the 404s they replace did without the plugin.
 */

const MAX = 3
const WINDOW = 60_000

/** Headers rate-limit computes from the clock (seconds left in the window). */
const CLOCK = new Set(['x-ratelimit-reset', 'retry-after'])

/** An answer without what depends on the clock: those headers, and the 429's "retry in ..." message. */
async function timeless (base: string, ex: Exchange): Promise<Answer> {
  const answer = await exchange(base, ex)
  const headers = answer.headers.filter(([name]) => !CLOCK.has(name))
  if (answer.status !== 429) return { ...answer, headers }
  const body = JSON.parse(Buffer.from(answer.body, 'base64').toString()) as Record<string, unknown>
  delete body.message
  return { ...answer, headers: headers.filter(([name]) => name !== 'content-length'), body: JSON.stringify(body) }
}

function header (answer: Answer, name: string): string | undefined {
  return answer.headers.find(([n]) => n === name)?.[1]
}

function routes (app: FastifyInstance): void {
  app.get('/items', async () => ({ items: [] }))
  app.post('/items', async (request) => ({ created: request.body }))
}

const ALLOW = 'GET, HEAD, POST, OPTIONS'

type GlobalOrder = 'plugin first' | 'rate-limit first'

async function globalLimiter (t: Test, order: GlobalOrder | null): Promise<string> {
  const app = Fastify()
  t.teardown(() => app.close())
  if (order === 'plugin first') await app.register(fastifyAllowedMethods)
  await app.register(rateLimit, { max: MAX, timeWindow: WINDOW })
  if (order === 'rate-limit first') await app.register(fastifyAllowedMethods)
  routes(app)
  return listen(app)
}

for (const order of ['plugin first', 'rate-limit first'] as GlobalOrder[]) {
  test(`(a) the global limiter limits routes only: 405, 501 and OPTIONS are never limited, like 404s (${order})`, async (t) => {
    const base = await globalLimiter(t, order)
    const plainBase = await globalLimiter(t, null)
    for (let i = 0; i < MAX * 2; i++) {
      const wrong = await send(base, 'DELETE', '/items')
      t.equal(wrong.status, 405, `DELETE #${i + 1}: 405`)
      t.equal(wrong.headers.allow, ALLOW)
      t.equal(wrong.headers['x-ratelimit-limit'], undefined, 'no rate-limit headers, as on a 404')
      t.equal((await send(base, 'OPTIONS', '/items')).status, 204, `OPTIONS #${i + 1}: 204`)
      t.equal((await send(base, 'PURGE', '/items')).status, 501, `PURGE #${i + 1}: 501`)
      const reference = await send(plainBase, 'DELETE', '/items')
      t.equal(reference.status, 404, 'without the plugin: an unlimited 404')
      t.equal(reference.headers['x-ratelimit-limit'], undefined)
    }

    // the routes' own limit is untouched by all those answers
    for (let i = 0; i <= MAX; i++) {
      const ex = { method: 'GET', path: '/items' }
      const [got, want] = [await timeless(base, ex), await timeless(plainBase, ex)]
      t.strictSame(got, want, `GET /items #${i + 1}: as without the plugin`)
      t.equal(got.status, i < MAX ? 200 : 429)
    }
  })
}

type Hook = 'preHandler' | 'onRequest'
type NotFoundOrder = 'plugin first' | 'rate-limit first' | 'rate-limit and its notFound handler first'
const NOT_FOUND_ORDERS: NotFoundOrder[] = ['plugin first', 'rate-limit first', 'rate-limit and its notFound handler first']

/** The README's 404 protection, with its limiter in the given hook. */
async function notFoundLimiter (t: Test, hook: Hook, order: NotFoundOrder | null): Promise<string> {
  const app = Fastify()
  t.teardown(() => app.close())
  if (order === 'plugin first') await app.register(fastifyAllowedMethods)
  await app.register(rateLimit, { global: true, max: MAX, timeWindow: WINDOW })
  if (order === 'rate-limit first') await app.register(fastifyAllowedMethods)
  app.setNotFoundHandler({ [hook]: app.rateLimit() }, function (_request, reply) {
    reply.code(404).send({ error: 'Not Found' })
  })
  if (order === 'rate-limit and its notFound handler first') await app.register(fastifyAllowedMethods)
  routes(app)
  return listen(app)
}

for (const hook of ['preHandler', 'onRequest'] as Hook[]) {
  for (const order of NOT_FOUND_ORDERS) {
    // with the root notFound handler set before the plugin, the plugin's hooks are appended to that
    // handler's context at ready: they run after the limiter given to that setNotFoundHandler call
    test(`(b) setNotFoundHandler({ ${hook}: app.rateLimit() }): 405, 501 and OPTIONS are limited like 404s (${order})`, async (t) => {
      const base = await notFoundLimiter(t, hook, order)
      const plainBase = await notFoundLimiter(t, hook, null)

      t.test(`the first ${MAX}: 405, 501, 204, counted like the 404s they replace`, async (t) => {
        const before: Array<[Exchange, number, string | undefined]> = [
          [{ method: 'DELETE', path: '/items' }, 405, ALLOW],
          [{ method: 'PURGE', path: '/items' }, 501, undefined],
          [{ method: 'OPTIONS', path: '/items' }, 204, ALLOW]
        ]
        for (const [ex, status, allow] of before) {
          const got = await exchange(base, ex)
          const reference = await exchange(plainBase, ex)
          t.equal(got.status, status, `${ex.method} ${ex.path}: ${status}`)
          t.equal(header(got, 'allow'), allow)
          t.equal(reference.status, 404, 'without the plugin: a 404')
          for (const name of ['x-ratelimit-limit', 'x-ratelimit-remaining']) {
            t.equal(header(got, name), header(reference, name), `${name}: ${header(reference, name)}, as on the 404`)
          }
        }
      })

      t.test('past the limit: 429 without Allow, as without the plugin', async (t) => {
        const after: Exchange[] = [
          { method: 'DELETE', path: '/items' },
          { method: 'PUT', path: '/items', headers: { 'content-type': 'application/json' }, body: '{"a":1}' },
          { method: 'PURGE', path: '/items' },
          { method: 'OPTIONS', path: '/items' },
          { method: 'GET', path: '/nowhere' }
        ]
        for (const ex of after) {
          const [got, want] = [await timeless(base, ex), await timeless(plainBase, ex)]
          t.equal(got.status, 429, `${ex.method} ${ex.path}: 429`)
          t.equal(header(got, 'allow'), undefined, 'no Allow')
          t.notMatch(Buffer.from(got.body, 'base64').toString(), /\b(?:GET|HEAD|POST|OPTIONS)\b|"allow"/, 'no method list')
          t.strictSame(got, want, `${ex.method} ${ex.path}: as without the plugin`)
        }
      })

      t.test('matched routes answer as without the plugin: the 405s used up the same budget as 404s', async (t) => {
        // app.rateLimit() without options shares the global limiter's store: every request above
        // counted against this client's budget for the routes too, with the plugin as without it
        const ex = { method: 'GET', path: '/items' }
        const got = await timeless(base, ex)
        t.strictSame(got, await timeless(plainBase, ex), 'GET /items: as without the plugin')
        t.equal(got.status, 429)
      })
    })
  }
}

for (const order of ['plugin first', 'rate-limit first'] as GlobalOrder[]) {
  test(`matched routes answer byte for byte as without the plugin (${order})`, async (t) => {
    // rate-limit's x-ratelimit-reset counts down in seconds: turned off here, so that nothing differs
    const noClock = { addHeaders: { 'x-ratelimit-reset': false, 'retry-after': false }, addHeadersOnExceeding: { 'x-ratelimit-reset': false } } as const
    const build = async (withPlugin: boolean): Promise<string> => {
      const app = Fastify()
      t.teardown(() => app.close())
      if (withPlugin && order === 'plugin first') await app.register(fastifyAllowedMethods)
      await app.register(rateLimit, { max: MAX, timeWindow: WINDOW, ...noClock })
      if (withPlugin && order === 'rate-limit first') await app.register(fastifyAllowedMethods)
      routes(app)
      return listen(app)
    }
    const json = { 'content-type': 'application/json' }
    await expectSameAnswers(t, await build(true), await build(false), [
      { method: 'GET', path: '/items' },
      { method: 'HEAD', path: '/items?x=1' },
      { method: 'POST', path: '/items', headers: json, body: '{"name":"box"}' },
      { method: 'POST', path: '/items', headers: json, body: '{"name":"box"}' }
    ])
  })
}
