import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import fastifyAllowedMethods from '../lib/index'
import { listen, send } from './helpers/http'

/**
 * methodTable() at a prefix root (issue 9, "no phantom entries"): fastify routes `register(p =>
 * p.get('/'), { prefix: '/items' })` at `/items` and at `/items/`, firing onRoute for the first
 * only (and its HEAD for the second): the table lists the pattern the app wrote, once.
 */

const h = async (): Promise<string> => 'x'

type Order = 'plugin first' | 'routes first'

/** The app with `routes`, the plugin registered before or after them. */
async function build (t: Test, order: Order, routes: (app: FastifyInstance) => void, opts: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(opts)
  t.teardown(() => app.close())
  if (order === 'plugin first') await app.register(fastifyAllowedMethods)
  routes(app)
  if (order === 'routes first') await app.register(fastifyAllowedMethods)
  await app.ready()
  return app
}

for (const order of ['plugin first', 'routes first'] as const) {
  test(`${order}: a route at a prefix root gives one entry, the prefix`, async (t) => {
    const app = await build(t, order, (app) => {
      app.register(async (p) => { p.get('/', h) }, { prefix: '/items' })
    })
    const table = app.methodTable()
    t.same(table, { '/items': ['GET', 'HEAD'] }, 'exactly { \'/items\': [GET, HEAD] }')
    t.notOk('/items/' in table, 'no /items/ entry')
    const base = await listen(app)
    for (const path of ['/items', '/items/']) {
      const res = await send(base, 'PUT', path)
      t.equal(res.status, 405, `PUT ${path}`)
      t.equal(res.headers.allow, 'GET, HEAD, OPTIONS', `PUT ${path}: Allow`)
      t.equal((await send(base, 'HEAD', path)).status, 200, `HEAD ${path} routes`)
    }
  })

  test(`${order}: a prefix ending in '/'`, async (t) => {
    const app = await build(t, order, (app) => {
      app.register(async (p) => { p.get('/', h) }, { prefix: '/slash/' })
    })
    const table = app.methodTable()
    t.same(table, { '/slash/': ['GET', 'HEAD'] }, 'exactly { \'/slash/\': [GET, HEAD] }')
    t.notOk('/slash//' in table, 'no /slash// entry')
    const base = await listen(app)
    const res = await send(base, 'PUT', '/slash/')
    t.equal(res.status, 405)
    t.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
    t.equal((await send(base, 'PUT', '/slash')).status, 404, '/slash is not routed')
  })

  test(`${order}: other prefix-root shapes`, async (t) => {
    const app = await build(t, order, (app) => {
      app.register(async (p) => { p.post('/', h) }, { prefix: '/posts' })
      app.register(async (p) => { p.get('/', { prefixTrailingSlash: 'no-slash' }, h) }, { prefix: '/noslash' })
      app.register(async (p) => { p.get('/', { prefixTrailingSlash: 'slash' }, h) }, { prefix: '/withslash' })
      app.register(async (p) => {
        p.register(async (q) => { q.get('/', h) }, { prefix: '/b' })
      }, { prefix: '/a' })
      app.register(async (p) => {
        p.get('/', h)
        p.delete('/', h)
        p.get('/:id', h)
      }, { prefix: '/things' })
    })
    const { '/withslash/': withSlash, ...others } = app.methodTable()
    t.same(others, {
      '/posts': ['POST'],
      '/noslash': ['GET', 'HEAD'],
      '/a/b': ['GET', 'HEAD'],
      '/things': ['GET', 'HEAD', 'DELETE'],
      '/things/:id': ['GET', 'HEAD']
    }, 'one entry per prefix root, as written')
    // prefixTrailingSlash: 'slash': the route is at /withslash/ only, and so is its HEAD
    t.same(withSlash, ['GET', 'HEAD'], '\'/withslash/\': GET and its HEAD')
    const base = await listen(app)
    t.equal((await send(base, 'HEAD', '/withslash/')).status, 200, 'HEAD /withslash/ routes')
    t.equal((await send(base, 'PUT', '/withslash/')).headers.allow, 'GET, HEAD, OPTIONS', 'and Allow lists it')
    t.equal((await send(base, 'PUT', '/posts/')).headers.allow, 'POST, OPTIONS')
  })

  test(`${order}: with ignoreTrailingSlash`, async (t) => {
    const app = await build(t, order, (app) => {
      app.register(async (p) => { p.get('/', h) }, { prefix: '/items' })
    }, { routerOptions: { ignoreTrailingSlash: true } })
    t.same(app.methodTable(), { '/items': ['GET', 'HEAD'] })
    const base = await listen(app)
    t.equal((await send(base, 'PUT', '/items/')).headers.allow, 'GET, HEAD, OPTIONS')
  })
}

test('a hidden prefix root route has no entry', async (t) => {
  const app = await build(t, 'plugin first', (app) => {
    app.register(async (p) => {
      p.get('/', { config: { allow: { hide: true } } }, h)
      p.post('/', h)
    }, { prefix: '/items' })
  })
  t.same(app.methodTable(), { '/items': ['POST'] })
})
