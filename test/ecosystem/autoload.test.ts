import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import fastifyAutoload from '@fastify/autoload'
import { join } from 'node:path'
import fastifyAllowedMethods from '../../lib/index'
import { listen, send } from '../helpers/http'
import { expectSameAnswers } from '../helpers/same-answers'

/**
 * @fastify/autoload loading a routes folder (test/fixtures/autoload/routes: TypeScript files,
 * which autoload loads under tap's ts-node based loader), at the prefix `/api`, with the folder
 * names as further prefixes (`items/index.ts` -> `/api/items`, `users/profile.ts` ->
 * `/api/users/profile`, `docs/index.ts`'s wildcard -> `/api/docs/*`), registered before or after
 * the plugin.
 */

type Order = 'plugin first' | 'autoload first' | 'without the plugin'
const ORDERS: Order[] = ['plugin first', 'autoload first']

const ROUTES = join(__dirname, '..', 'fixtures', 'autoload', 'routes')

async function build (t: Test, order: Order): Promise<{ app: FastifyInstance, base: string, warnings: string[] }> {
  const warnings: string[] = []
  const app = Fastify({
    logger: { level: 'warn', stream: { write: (line: string) => { if (JSON.parse(line).level === 40) warnings.push(line) } } }
  })
  t.teardown(() => app.close())
  if (order === 'plugin first') await app.register(fastifyAllowedMethods)
  await app.register(fastifyAutoload, { dir: ROUTES, options: { prefix: '/api' } })
  if (order === 'autoload first') await app.register(fastifyAllowedMethods)
  app.get('/own', async () => 'own')
  return { app, base: await listen(app), warnings }
}

const TABLE = {
  '/api/docs/*': ['GET', 'HEAD'],
  '/api/health': ['GET', 'HEAD'],
  '/api/items': ['GET', 'HEAD', 'POST'],
  '/api/items/:id': ['GET', 'HEAD', 'DELETE'],
  '/api/users/profile': ['GET', 'HEAD', 'PUT'],
  '/own': ['GET', 'HEAD']
}

for (const order of ORDERS) {
  test(`@fastify/autoload, ${order}`, async (t) => {
    const { app, base, warnings } = await build(t, order)

    t.test('the loaded routes serve, at the prefixes of their folders', async (t) => {
      t.equal((await send(base, 'GET', '/api/items')).body, '{"items":[]}')
      t.equal((await send(base, 'GET', '/api/items/7')).body, '{"id":"7"}')
      t.equal((await send(base, 'GET', '/api/users/profile')).body, '{"name":"ann"}')
      t.equal((await send(base, 'GET', '/api/health')).body, 'ok')
      t.equal((await send(base, 'GET', '/api/docs/guide/intro')).body, '{"page":"guide/intro"}')
    })

    t.test('405 + Allow for the loaded routes', async (t) => {
      const cases: Array<[string, string, string]> = [
        ['PUT', '/api/items', 'GET, HEAD, POST, OPTIONS'],
        ['DELETE', '/api/items', 'GET, HEAD, POST, OPTIONS'],
        ['PATCH', '/api/items/7', 'GET, HEAD, DELETE, OPTIONS'],
        ['POST', '/api/items/7', 'GET, HEAD, DELETE, OPTIONS'],
        ['POST', '/api/users/profile', 'GET, HEAD, PUT, OPTIONS'],
        ['DELETE', '/api/health', 'GET, HEAD, OPTIONS'],
        // the app's own GET-only wildcard is a visible route, whatever its shape
        ['POST', '/api/docs/guide', 'GET, HEAD, OPTIONS'],
        ['DELETE', '/api/docs/', 'GET, HEAD, OPTIONS']
      ]
      for (const [method, path, allow] of cases) {
        const res = await send(base, method, path)
        t.equal(res.status, 405, `${method} ${path}`)
        t.equal(res.headers.allow, allow)
        t.equal(res.headers['content-type'], 'application/problem+json')
      }
      t.equal((await send(base, 'PURGE', '/api/items')).status, 501)
    })

    t.test('OPTIONS for the loaded routes, 404 elsewhere', async (t) => {
      for (const [path, allow] of [['/api/items', 'GET, HEAD, POST, OPTIONS'], ['/api/items/7', 'GET, HEAD, DELETE, OPTIONS'], ['/api/users/profile', 'GET, HEAD, PUT, OPTIONS'], ['/api/docs/guide', 'GET, HEAD, OPTIONS']]) {
        const res = await send(base, 'OPTIONS', path)
        t.equal(res.status, 204, `OPTIONS ${path}`)
        t.equal(res.headers.allow, allow)
      }
      const star = await send(base, 'OPTIONS', '*')
      t.equal(star.status, 204)
      t.equal(star.headers.allow, 'GET, HEAD, POST, PUT, DELETE, OPTIONS')
      for (const [method, path] of [['GET', '/items'], ['POST', '/users/profile'], ['OPTIONS', '/api'], ['DELETE', '/api/users'], ['GET', '/api/nowhere']]) {
        const res = await send(base, method, path)
        t.equal(res.status, 404, `${method} ${path}: no route here (no folder prefix without the options' prefix)`)
        t.equal(res.headers.allow, undefined)
      }
    })

    t.test('methodTable() lists the loaded routes with their prefixes', async (t) => {
      t.strictSame(app.methodTable(), TABLE)
      t.strictSame(app.allowedMethods('/api/items/7?full=1'), ['GET', 'HEAD', 'DELETE', 'OPTIONS'])
    })

    t.test(order === 'plugin first' ? 'no warning' : 'one warning, naming the loaded routes (registered before the plugin)', async (t) => {
      if (order === 'plugin first') {
        t.strictSame(warnings, [])
      } else {
        t.equal(warnings.length, 1)
        for (const pattern of ['/api/items/:id', '/api/users/profile', '/api/health', '/api/docs/*']) t.match(warnings[0], pattern)
        t.notMatch(warnings[0], '/own', 'a route added after the plugin is not named')
      }
    })

    t.test('matched routes answer byte-for-byte as without the plugin', async (t) => {
      const reference = await build(t, 'without the plugin')
      await expectSameAnswers(t, base, reference.base, [
        { method: 'GET', path: '/api/items' },
        { method: 'GET', path: '/api/items/' },
        { method: 'HEAD', path: '/api/items' },
        { method: 'POST', path: '/api/items', headers: { 'content-type': 'application/json' }, body: '{"name":"box"}' },
        { method: 'GET', path: '/api/items/7' },
        { method: 'DELETE', path: '/api/items/7' },
        { method: 'PUT', path: '/api/users/profile', headers: { 'content-type': 'application/json' }, body: '{"name":"bo"}' },
        { method: 'HEAD', path: '/api/health' },
        { method: 'GET', path: '/api/docs/a/b?c=d' },
        { method: 'GET', path: '/own' }
      ])
    })
  })
}
