import { test } from 'tap'
import Fastify from 'fastify'
import fastifyAllowedMethods from '../lib/index'

/**
 * The answers of recent paths are remembered (a bounded memo, only when no constraint is derived):
 * they must be exactly what probing the router gives, whatever the method, the order of requests
 * and the number of distinct URLs seen.
 */

async function app405 (routes: (app: ReturnType<typeof Fastify>) => void) {
  const app = Fastify()
  await app.register(fastifyAllowedMethods)
  routes(app)
  await app.ready()
  return app
}

test('a path asked again, with any method, gets the same exact answer', async (t) => {
  const app = await app405((app) => {
    app.get('/items/:id', async () => 'item')
    app.put('/items/:id', async () => 'put')
    app.post('/items/new', async () => 'new')
  })
  t.teardown(() => app.close())
  for (const [method, url, status, allow] of [
    ['DELETE', '/items/1', 405, 'GET, HEAD, PUT, OPTIONS'],
    ['PATCH', '/items/1?x=1', 405, 'GET, HEAD, PUT, OPTIONS'],
    ['OPTIONS', '/items/1', 204, 'GET, HEAD, PUT, OPTIONS'],
    ['DELETE', '/items/new', 405, 'GET, HEAD, POST, PUT, OPTIONS'],
    ['OPTIONS', '/items/new', 204, 'GET, HEAD, POST, PUT, OPTIONS'],
    ['PATCH', '/nowhere', 404, undefined],
    ['OPTIONS', '/nowhere', 404, undefined],
    ['PATCH', '/items/%zz', 400, undefined]
  ] as const) {
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({ method, url })
      t.equal(res.statusCode, status, `${method} ${url} #${i + 1}`)
      t.equal(res.headers.allow, allow)
    }
  }
})

test('thousands of distinct paths, long paths: answers stay exact', async (t) => {
  const app = await app405((app) => {
    app.get('/items/:id', async () => 'item')
    app.get('/deep/*', async () => 'deep')
  })
  t.teardown(() => app.close())
  for (let i = 0; i < 3000; i++) {
    const url = i % 2 === 0 ? `/items/${i}` : `/unknown/${i}`
    t.same(app.allowedMethods(url), i % 2 === 0 ? ['GET', 'HEAD', 'OPTIONS'] : [])
  }
  const long = '/deep/' + 'seg/'.repeat(80)
  for (let i = 0; i < 2; i++) t.equal((await app.inject({ method: 'POST', url: long })).headers.allow, 'GET, HEAD, OPTIONS')
  t.equal((await app.inject({ method: 'POST', url: '/items/0' })).headers.allow, 'GET, HEAD, OPTIONS')
})

test('with constraints in use, the same path answers by the request\'s headers', async (t) => {
  const app = await app405((app) => {
    app.get('/items', { constraints: { host: 'a.example' } }, async () => 'a')
    app.post('/items', async () => 'post')
  })
  t.teardown(() => app.close())
  for (let i = 0; i < 2; i++) {
    t.equal((await app.inject({ method: 'PUT', url: '/items', headers: { host: 'a.example' } })).headers.allow, 'GET, HEAD, POST, OPTIONS')
    t.equal((await app.inject({ method: 'PUT', url: '/items', headers: { host: 'b.example' } })).headers.allow, 'POST, OPTIONS')
  }
})
