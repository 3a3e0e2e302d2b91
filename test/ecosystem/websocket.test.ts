import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import type { IncomingMessage } from 'node:http'
import fastifyWebsocket from '@fastify/websocket'
import fastifyAllowedMethods from '../../lib/index'
import { listen, send } from '../helpers/http'
import { expectSameAnswers } from '../helpers/same-answers'

/**
 * @fastify/websocket: a websocket route is a GET route (plus fastify's automatic HEAD, which
 * websocket answers 404 itself). Other methods get 405 with the methods fastify really routes
 * there; the upgrade still works; a plain GET or HEAD keeps websocket's own answer.
 */

/** The bits of the `ws` client used here (the package ships no types of its own). */
interface WsClient {
  on: (event: string, listener: (...args: any[]) => void) => void
  send: (data: string) => void
  close: () => void
  terminate: () => void
}
const WebSocket = require('ws') as new (url: string) => WsClient

/**
 * Where the websocket routes are declared:
 * - plugin first: the plugin, @fastify/websocket, the routes;
 * - websocket first: @fastify/websocket, the plugin, the routes;
 * - routes before the plugin: @fastify/websocket and its routes, then the plugin.
 */
type Order = 'plugin first' | 'websocket first' | 'routes before the plugin' | 'without the plugin'
const ORDERS: Order[] = ['plugin first', 'websocket first', 'routes before the plugin']

function websocketRoutes (app: FastifyInstance): void {
  app.get('/chat', { websocket: true }, (socket) => {
    socket.on('message', (message: Buffer) => socket.send(`echo: ${message.toString()}`))
  })
  // the README's form for one URL serving both plain HTTP and websocket
  app.route({
    method: 'GET',
    url: '/both',
    handler: async () => ({ plain: true }),
    wsHandler: (socket) => {
      socket.on('message', (message: Buffer) => socket.send(`both: ${message.toString()}`))
    }
  })
}

async function build (t: Test, order: Order): Promise<{ app: FastifyInstance, base: string }> {
  const app = Fastify()
  t.teardown(() => app.close())
  if (order === 'plugin first') await app.register(fastifyAllowedMethods)
  await app.register(fastifyWebsocket)
  if (order === 'routes before the plugin') websocketRoutes(app)
  if (order === 'websocket first' || order === 'routes before the plugin') await app.register(fastifyAllowedMethods)
  if (order !== 'routes before the plugin') websocketRoutes(app)
  app.get('/items', async () => ({ items: [] }))
  return { app, base: await listen(app) }
}

/** Opens a websocket, sends one message, returns the first message received. */
function roundTrip (base: string, path: string, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base.replace(/^http/, 'ws') + path)
    ws.on('open', () => ws.send(message))
    ws.on('message', (data: Buffer) => {
      ws.close()
      resolve(data.toString())
    })
    ws.on('error', reject)
  })
}

/** The status of a refused upgrade (what the server answered instead of 101). */
function refusedUpgrade (base: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base.replace(/^http/, 'ws') + path)
    ws.on('open', () => {
      ws.terminate()
      reject(new Error(`the upgrade to ${path} was accepted`))
    })
    ws.on('unexpected-response', (_request: unknown, response: IncomingMessage) => {
      resolve(response.statusCode as number)
      response.resume()
      ws.terminate()
    })
    ws.on('error', () => {})
  })
}

for (const order of ORDERS) {
  test(`@fastify/websocket, ${order}`, async (t) => {
    const { app, base } = await build(t, order)

    t.test('other methods on a websocket route: 405 with the methods fastify routes there', async (t) => {
      const routed = app.supportedMethods.filter((method) => app.findRoute({ method: method as 'GET', url: '/chat' }) !== null)
      t.strictSame(routed, ['GET', 'HEAD'], 'fastify routes GET and its automatic HEAD')
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        const res = await send(base, method, '/chat')
        t.equal(res.status, 405, `${method} /chat`)
        t.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
        t.strictSame(JSON.parse(res.body).allow, ['GET', 'HEAD', 'OPTIONS'])
      }
      const options = await send(base, 'OPTIONS', '/chat')
      t.equal(options.status, 204)
      t.equal(options.headers.allow, 'GET, HEAD, OPTIONS')
      const both = await send(base, 'DELETE', '/both')
      t.equal(both.status, 405)
      t.equal(both.headers.allow, 'GET, HEAD, OPTIONS')
      t.equal((await send(base, 'PURGE', '/chat')).status, 501)
      t.equal((await send(base, 'POST', '/nowhere')).status, 404)
      t.strictSame(app.methodTable(), { '/chat': ['GET', 'HEAD'], '/both': ['GET', 'HEAD'], '/items': ['GET', 'HEAD'] })
    })

    t.test('a real websocket upgrade still works', async (t) => {
      t.equal(await roundTrip(base, '/chat', 'hello'), 'echo: hello')
      t.equal(await roundTrip(base, '/both', 'hi'), 'both: hi')
      t.equal(await refusedUpgrade(base, '/nowhere'), 404, 'an upgrade to an unknown URL is refused with 404, as without the plugin')
    })

    t.test('plain GET and HEAD keep websocket\'s own answer, byte-for-byte', async (t) => {
      const plainGet = await send(base, 'GET', '/chat')
      t.equal(plainGet.status, 404, 'websocket answers a plain GET to a websocket-only route with 404')
      t.equal(plainGet.headers.allow, undefined)
      t.equal((await send(base, 'GET', '/both')).body, '{"plain":true}')
      const reference = await build(t, 'without the plugin')
      await expectSameAnswers(t, base, reference.base, [
        { method: 'GET', path: '/chat' },
        { method: 'HEAD', path: '/chat' },
        { method: 'GET', path: '/chat?room=1' },
        { method: 'GET', path: '/both' },
        { method: 'HEAD', path: '/both' },
        { method: 'GET', path: '/items' }
      ])
      t.equal(await refusedUpgrade(reference.base, '/nowhere'), 404)
    })
  })
}
