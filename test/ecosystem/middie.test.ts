import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import middie from '@fastify/middie'
import type { IncomingMessage, ServerResponse } from 'node:http'
import fastifyAllowedMethods from '../../lib/index'
import { listen, send } from '../helpers/http'
import { expectSameAnswers } from '../helpers/same-answers'
import type { Exchange } from '../helpers/same-answers'

/**
 * @fastify/middie runs Express-style middleware in a root hook (onRequest by default, or the one
 * given in its `hook` option), for every request, 404s included. So middleware runs before a 405,
 * 501 or OPTIONS answer as it runs before the 404 it replaces; a middleware that answers wins; and
 * a URL served only by middleware is unknown to fastify's router, hence to the plugin: its other
 * methods stay whatever the middleware does with them (here: fall through to the 404).
 */

type Order = 'plugin first' | 'middie first'
const ORDERS: Order[] = ['plugin first', 'middie first']
type Hook = 'onRequest' | 'preHandler'
const HOOKS: Hook[] = ['onRequest', 'preHandler']

type Next = (err?: unknown) => void

async function build (t: Test, order: Order | null, hook: Hook): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  if (order === 'plugin first') await app.register(fastifyAllowedMethods)
  await app.register(middie, { hook })
  if (order === 'middie first') await app.register(fastifyAllowedMethods)
  // on every request
  app.use((_req: IncomingMessage, res: ServerResponse, next: Next) => {
    res.setHeader('x-middleware', 'seen')
    next()
  })
  // a legacy endpoint served by middleware alone, for GET only
  app.use('/legacy', (req: IncomingMessage, res: ServerResponse, next: Next) => {
    if (req.method !== 'GET') return next()
    res.setHeader('content-type', 'text/plain')
    res.end('legacy GET')
  })
  // a middleware that refuses DELETE on /items itself
  app.use('/items', (req: IncomingMessage, res: ServerResponse, next: Next) => {
    if (req.method !== 'DELETE') return next()
    res.statusCode = 403
    res.setHeader('content-type', 'text/plain')
    res.end('no deleting items')
  })
  app.get('/items', async () => ({ items: [] }))
  app.post('/items', async (request) => ({ created: request.body }))
  return app
}

const ALLOW = 'GET, HEAD, POST, OPTIONS'
const json = { 'content-type': 'application/json' }

for (const hook of HOOKS) {
  for (const order of ORDERS) {
    test(`@fastify/middie, middleware in ${hook} (${order})`, async (t) => {
      const app = await build(t, order, hook)
      const base = await listen(app)
      const plainBase = await listen(await build(t, null, hook))

      t.test('middleware runs before a 405, 501 and OPTIONS, as before a 404', async (t) => {
        const wrong = await send(base, 'PUT', '/items', { headers: json, body: '{"a":1}' })
        t.equal(wrong.status, 405)
        t.equal(wrong.headers.allow, ALLOW)
        t.equal(wrong.headers['x-middleware'], 'seen')
        const options = await send(base, 'OPTIONS', '/items')
        t.equal(options.status, 204)
        t.equal(options.headers['x-middleware'], 'seen')
        const purge = await send(base, 'PURGE', '/items')
        t.equal(purge.status, 501)
        t.equal(purge.headers['x-middleware'], 'seen')
        const notFound = await send(base, 'GET', '/nowhere')
        t.equal(notFound.status, 404)
        t.equal(notFound.headers['x-middleware'], 'seen')
      })

      t.test('a middleware that answers wins', async (t) => {
        const res = await send(base, 'DELETE', '/items')
        t.equal(res.status, 403)
        t.equal(res.body, 'no deleting items')
        t.equal(res.headers.allow, undefined)
        await expectSameAnswers(t, base, plainBase, [{ method: 'DELETE', path: '/items' }, { method: 'DELETE', path: '/items/7' }])
      })

      t.test('a URL served only by middleware is not known to the plugin', async (t) => {
        const get = await send(base, 'GET', '/legacy')
        t.equal(get.status, 200)
        t.equal(get.body, 'legacy GET')
        const exchanges: Exchange[] = [
          { method: 'GET', path: '/legacy' },
          { method: 'POST', path: '/legacy', headers: json, body: '{}' },
          { method: 'DELETE', path: '/legacy' },
          { method: 'OPTIONS', path: '/legacy' }
        ]
        for (const ex of exchanges.slice(1)) {
          const res = await send(base, ex.method, ex.path, ex)
          t.equal(res.status, 404, `${ex.method} /legacy: the 404 the middleware falls through to`)
          t.equal(res.headers.allow, undefined)
        }
        await expectSameAnswers(t, base, plainBase, exchanges)
        t.strictSame(app.allowedMethods('/legacy'), [], 'fastify\'s router has nothing there')
        t.equal((await send(base, 'PURGE', '/legacy')).status, 501, 'a method no route implements is still a 501')
      })

      t.test('matched routes answer as without the plugin', async (t) => {
        await expectSameAnswers(t, base, plainBase, [
          { method: 'GET', path: '/items' },
          { method: 'HEAD', path: '/items' },
          { method: 'POST', path: '/items', headers: json, body: '{"name":"box"}' },
          { method: 'GET', path: '/items?x=1' }
        ])
      })
    })
  }
}
