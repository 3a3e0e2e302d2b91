import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import fastifyCors from '@fastify/cors'
import fastifyStatic from '@fastify/static'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fastifyAllowedMethods from '../lib/index'
import type { FastifyAllowedMethodsOptions } from '../lib/index'
import { listen, send } from './helpers/http'
import type { HttpResult } from './helpers/http'

/**
 * Contract point 7: the hidden catch-alls of @fastify/cors (`OPTIONS *`) and @fastify/static
 * (`GET`/`HEAD` `/*`) never make unknown URLs exist, in either registration order; a user's own
 * visible catch-all is a real route.
 */

const PREFLIGHT = { origin: 'https://app.example', 'access-control-request-method': 'GET' }

type Order = 'plugin first' | 'other plugin first'

async function build (t: Test, order: Order, other: (app: FastifyInstance) => Promise<void>, opts: FastifyAllowedMethodsOptions = {}): Promise<{ app: FastifyInstance, base: string }> {
  const app = Fastify()
  t.teardown(() => app.close())
  if (order === 'plugin first') {
    await app.register(fastifyAllowedMethods, opts)
    await other(app)
  } else {
    await other(app)
    await app.register(fastifyAllowedMethods, opts)
  }
  app.get('/items', async () => 'items')
  app.post('/orders', async () => 'ordered')
  return { app, base: await listen(app) }
}

function expect405 (t: Test, res: HttpResult, allow: string): void {
  t.equal(res.status, 405)
  t.equal(res.headers.allow, allow)
  t.equal(res.headers['content-type'], 'application/problem+json')
}

/** Every (method, url) is a 404 without Allow, and the catch-all `pattern` is not in the method table. */
async function expectUnknown (t: Test, app: FastifyInstance, base: string, methods: string[], urls: string[], pattern: string): Promise<void> {
  for (const method of methods) {
    for (const url of urls) {
      const res = await send(base, method, url)
      t.equal(res.status, 404, `${method} ${url}`)
      t.equal(res.headers.allow, undefined)
    }
  }
  for (const url of urls) t.same(app.allowedMethods(url), [])
  t.notOk(pattern in app.methodTable(), `the catch-all ${pattern} is not in the method table`)
}

const withCors = async (app: FastifyInstance) => { await app.register(fastifyCors, { origin: true }) }
/** cors told to leave plain OPTIONS to the app: `strictPreflight: false, preflightContinue: true`. */
const withContinuingCors = async (app: FastifyInstance) => {
  await app.register(fastifyCors, { origin: true, strictPreflight: false, preflightContinue: true })
}

for (const order of ['plugin first', 'other plugin first'] as Order[]) {
  test(`@fastify/cors, ${order}`, async (t) => {
    const { app, base } = await build(t, order, withCors)

    t.test('preflights are answered by cors, on known and unknown URLs', async (t) => {
      for (const url of ['/items', '/orders', '/nowhere']) {
        const res = await send(base, 'OPTIONS', url, { headers: PREFLIGHT })
        t.equal(res.status, 204, url)
        t.equal(res.headers['access-control-allow-origin'], 'https://app.example')
        t.ok(res.headers['access-control-allow-methods'], 'cors\' preflight headers')
      }
    })

    t.test('unknown URLs stay 404 for every non-OPTIONS method', async (t) => {
      await expectUnknown(t, app, base, ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'], ['/nowhere', '/a/b'], '*')
    })

    t.test('405 is still right, and OPTIONS from cors is not counted twice', async (t) => {
      expect405(t, await send(base, 'POST', '/items'), 'GET, HEAD, OPTIONS')
      expect405(t, await send(base, 'DELETE', '/orders'), 'POST, OPTIONS')
      t.same(app.allowedMethods('/items'), ['GET', 'HEAD', 'OPTIONS'])
    })

    t.test('a cross-origin 405 carries cors\' headers, so a browser can read it', async (t) => {
      const cross = await send(base, 'PUT', '/items', { headers: { origin: 'https://app.example' } })
      expect405(t, cross, 'GET, HEAD, OPTIONS')
      t.equal(cross.headers['access-control-allow-origin'], 'https://app.example')
    })

    t.test('a plain OPTIONS (not a preflight) gets cors\' own answer, as without the plugin', async (t) => {
      const plain = Fastify()
      t.teardown(() => plain.close())
      await withCors(plain)
      plain.get('/items', async () => 'items')
      const plainBase = await listen(plain)
      for (const url of ['/items', '/nowhere', '*']) {
        const reference = await send(plainBase, 'OPTIONS', url)
        const res = await send(base, 'OPTIONS', url)
        t.equal(res.status, reference.status, url)
        t.equal(res.body, reference.body)
      }
    })
  })

  test(`@fastify/cors with preflightContinue and strictPreflight: false, ${order}: plain OPTIONS`, async (t) => {
    const { base } = await build(t, order, withContinuingCors)
    const preflight = await send(base, 'OPTIONS', '/items', { headers: PREFLIGHT })
    t.equal(preflight.status, 200, 'cors\' route answers a continued preflight, with 200')
    t.equal(preflight.headers.allow, undefined, 'a preflight is cors\' answer')
    t.equal(preflight.headers['access-control-allow-origin'], 'https://app.example')
    expect405(t, await send(base, 'POST', '/items'), 'GET, HEAD, OPTIONS')
    if (order === 'other plugin first') {
      // cors' route existed before the plugin, so it cannot carry the plugin's hooks: every plain
      // OPTIONS gets cors' own answer, exactly as without the plugin
      for (const url of ['/items', '/nowhere', '*']) {
        const res = await send(base, 'OPTIONS', url)
        t.equal(res.status, 200, url)
        t.equal(res.headers.allow, undefined)
      }
      return
    }
    const known = await send(base, 'OPTIONS', '/items')
    t.equal(known.status, 204)
    t.equal(known.headers.allow, 'GET, HEAD, OPTIONS')
    t.equal((await send(base, 'OPTIONS', '/nowhere')).status, 404)
    const star = await send(base, 'OPTIONS', '*')
    t.equal(star.status, 204)
    t.equal(star.headers.allow, 'GET, HEAD, POST, OPTIONS')
  })
}

test('@fastify/cors with autoOptions: false: its OPTIONS catch-all is never listed', async (t) => {
  const { base } = await build(t, 'plugin first', withContinuingCors, { autoOptions: false })
  expect405(t, await send(base, 'POST', '/items'), 'GET, HEAD')
  const plain = await send(base, 'OPTIONS', '/items')
  expect405(t, plain, 'GET, HEAD')
  t.equal((await send(base, 'OPTIONS', '/nowhere')).status, 404)
  t.equal((await send(base, 'POST', '/nowhere')).status, 404)
  t.equal((await send(base, 'OPTIONS', '/items', { headers: PREFLIGHT })).status, 200, 'preflights still go to cors\' route')
  t.equal((await send(base, 'OPTIONS', '*')).status, 404, 'OPTIONS * is not answered by the plugin')
})

test('@fastify/cors: a plain OPTIONS to a URL whose parameter is too long is 404, as without cors', async (t) => {
  const answers: number[] = []
  for (const other of [withContinuingCors, async () => {}]) {
    const app = Fastify({ routerOptions: { maxParamLength: 5 } })
    t.teardown(() => app.close())
    await app.register(fastifyAllowedMethods)
    await other(app)
    app.get('/items/:id', async () => 'item')
    const base = await listen(app)
    t.equal((await send(base, 'GET', '/items/much-too-long')).status, 414, 'fastify rejects the GET itself')
    t.equal((await send(base, 'OPTIONS', '/items/1')).headers.allow, 'GET, HEAD, OPTIONS')
    answers.push((await send(base, 'OPTIONS', '/items/much-too-long')).status)
  }
  t.same(answers, [404, 404])
})

function staticRoot (t: Test): string {
  const root = mkdtempSync(join(tmpdir(), 'fam-static-'))
  writeFileSync(join(root, 'hello.txt'), 'hello')
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  return root
}

for (const order of ['plugin first', 'other plugin first'] as Order[]) {
  test(`@fastify/static, ${order}`, async (t) => {
    const root = staticRoot(t)
    const { app, base } = await build(t, order, async (app) => { await app.register(fastifyStatic, { root }) })

    t.test('files are served, missing files are 404', async (t) => {
      const file = await send(base, 'GET', '/hello.txt')
      t.equal(file.status, 200)
      t.equal(file.body, 'hello')
      t.equal((await send(base, 'HEAD', '/hello.txt')).status, 200)
      t.equal((await send(base, 'GET', '/missing.txt')).status, 404)
    })

    t.test('unknown URLs stay 404 for every method', async (t) => {
      await expectUnknown(t, app, base, ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'], ['/missing.txt', '/a/b/c'], '/*')
    })

    t.test('405 lists only the app\'s routes, never static\'s GET/HEAD', async (t) => {
      expect405(t, await send(base, 'POST', '/items'), 'GET, HEAD, OPTIONS')
      expect405(t, await send(base, 'DELETE', '/orders'), 'POST, OPTIONS')
      const options = await send(base, 'OPTIONS', '/orders')
      t.equal(options.status, 204)
      t.equal(options.headers.allow, 'POST, OPTIONS')
    })
  })
}

test('@fastify/static under a prefix, after the plugin', async (t) => {
  const root = staticRoot(t)
  const { base } = await build(t, 'plugin first', async (app) => { await app.register(fastifyStatic, { root, prefix: '/public/' }) })
  t.equal((await send(base, 'GET', '/public/hello.txt')).body, 'hello')
  t.equal((await send(base, 'POST', '/public/hello.txt')).status, 404, 'static\'s routes are hidden')
  t.equal((await send(base, 'POST', '/public/nope/deeper')).status, 404)
  expect405(t, await send(base, 'PUT', '/items'), 'GET, HEAD, OPTIONS')
})

test('@fastify/static under a prefix, before the plugin: its wildcard is read as a real route (its schema.hide cannot be read)', async (t) => {
  const root = staticRoot(t)
  const { app, base } = await build(t, 'other plugin first', async (app) => { await app.register(fastifyStatic, { root, prefix: '/public/' }) })
  t.equal((await send(base, 'GET', '/public/hello.txt')).body, 'hello')
  expect405(t, await send(base, 'POST', '/public/hello.txt'), 'GET, HEAD, OPTIONS')
  t.equal((await send(base, 'GET', '/public/missing.txt')).status, 404)
  t.equal((await send(base, 'POST', '/elsewhere')).status, 404)
  expect405(t, await send(base, 'PUT', '/items'), 'GET, HEAD, OPTIONS')
  t.same(app.methodTable()['/public/*'], ['GET', 'HEAD'])
})

test('@fastify/static with wildcard: false: one visible route per file', async (t) => {
  const root = staticRoot(t)
  const { base } = await build(t, 'plugin first', async (app) => { await app.register(fastifyStatic, { root, wildcard: false }) })
  t.equal((await send(base, 'GET', '/hello.txt')).body, 'hello')
  expect405(t, await send(base, 'POST', '/hello.txt'), 'GET, HEAD, OPTIONS')
  t.equal((await send(base, 'POST', '/missing.txt')).status, 404)
})

test('a user\'s own visible catch-all is a real route', async (t) => {
  t.test('app.all(\'/*\') serves every supported method: no 405', async (t) => {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(fastifyAllowedMethods)
    app.get('/items', async () => 'items')
    app.all('/*', async (request) => `all ${request.method}`)
    const base = await listen(app)
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']) {
      const res = await send(base, method, '/anything/at/all')
      t.equal(res.status, 200, `${method} /anything/at/all`)
      t.equal(res.body, `all ${method}`)
    }
    t.equal((await send(base, 'POST', '/items')).body, 'all POST', 'the catch-all serves what /items does not')
    t.same(app.allowedMethods('/anything'), ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY'])
    t.equal((await send(base, 'PURGE', '/anything')).status, 501, 'unsupported methods are still 501')
  })

  t.test('app.get(\'/*\') makes every URL exist for GET', async (t) => {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(fastifyAllowedMethods)
    app.get('/*', async () => 'spa')
    const base = await listen(app)
    expect405(t, await send(base, 'POST', '/some/page'), 'GET, HEAD, OPTIONS')
    t.equal((await send(base, 'OPTIONS', '/some/page')).status, 204)
  })

  t.test('a visible OPTIONS * makes every URL answer OPTIONS', async (t) => {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(fastifyAllowedMethods)
    app.options('*', async () => 'my options')
    app.get('/items', async () => 'items')
    const base = await listen(app)
    t.equal((await send(base, 'OPTIONS', '/nowhere')).body, 'my options')
    expect405(t, await send(base, 'GET', '/nowhere'), 'OPTIONS')
    expect405(t, await send(base, 'POST', '/items'), 'GET, HEAD, OPTIONS')
  })
})
