import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fastifyAllowedMethods from '../lib/index'
import { listen, send } from './helpers/http'
import { RawConnection, rawRequest } from './helpers/raw-http'
import { exchange } from './helpers/same-answers'
import type { Answer } from './helpers/same-answers'

/**
 * `config.allow.hide` as a function of the request (issue 9): evaluated after the app's hooks, so
 * a user set by an auth-like hook decides what this caller's Allow, OPTIONS and `OPTIONS *` show.
 */

interface User { name: string, admin: boolean }

/** The user an auth-like hook put on the request (see withUser()). */
function userOf (request: FastifyRequest): User | null {
  return (request as unknown as { user: User | null }).user
}

/** Hidden from everyone but admins. */
const notAdmin = (request: FastifyRequest): boolean => userOf(request)?.admin !== true

type HookName = 'onRequest' | 'preHandler'

/** An auth-like root hook: `x-user: <name>` makes `request.user`; `admin` is an admin. Never answers. */
function withUser (app: FastifyInstance, hook: HookName): void {
  app.decorateRequest('user', null)
  app.addHook(hook, async (request) => {
    const name = request.headers['x-user']
    if (typeof name === 'string') (request as unknown as { user: User }).user = { name, admin: name === 'admin' }
  })
}

function routes (app: FastifyInstance): void {
  app.get('/public', async () => 'public')
  app.get('/users/:id', async () => 'user')
  app.delete('/users/:id', { config: { allow: { hide: notAdmin } } }, async () => 'deleted')
  app.post('/admin/tasks', { config: { allow: { hide: notAdmin } } }, async () => 'task created')
  app.put('/admin/tasks', { config: { allow: { hide: notAdmin } } }, async () => 'task replaced')
}

/** The app: hook before or after the plugin; `plugin: false` gives the same app without it. */
async function build (t: Test, hook: HookName, order: 'hookFirst' | 'pluginFirst', plugin = true): Promise<{ app: FastifyInstance, base: string }> {
  const app = Fastify()
  t.teardown(() => app.close())
  if (order === 'hookFirst') withUser(app, hook)
  if (plugin) await app.register(fastifyAllowedMethods)
  if (order === 'pluginFirst') withUser(app, hook)
  routes(app)
  return { app, base: await listen(app) }
}

const ADMIN = { 'x-user': 'admin' }
const BOB = { 'x-user': 'bob' }
const ANON = {}

/** `OPTIONS *` over a raw socket, with extra header lines. */
async function optionsStar (t: Test, base: string, headers: Record<string, string>): Promise<{ status: number, allow: string | undefined }> {
  const conn = await RawConnection.open(Number(new URL(base).port))
  t.teardown(() => conn.close())
  conn.write(rawRequest('OPTIONS', '*', headers))
  const res = await conn.response()
  conn.close()
  return { status: res.status, allow: res.headers.allow }
}

/** A 404 answer with the request path in its body replaced by a placeholder. */
function normalized (answer: Answer, path: string): Answer {
  const body = Buffer.from(answer.body, 'base64').toString().split(path).join('<path>')
  return { ...answer, body }
}

for (const hook of ['preHandler', 'onRequest'] as const) {
  for (const order of ['hookFirst', 'pluginFirst'] as const) {
    test(`hide function reading request.user set by a root ${hook} hook (${order})`, async (t) => {
      const { base } = await build(t, hook, order)

      t.test('405: a caller it hides does not see the route\'s methods; one it does not hide sees them all', async (t) => {
        for (const [who, headers, allow] of [
          ['anonymous', ANON, 'GET, HEAD, OPTIONS'],
          ['bob', BOB, 'GET, HEAD, OPTIONS'],
          ['admin', ADMIN, 'GET, HEAD, DELETE, OPTIONS']
        ] as const) {
          const res = await send(base, 'PATCH', '/users/7', { headers })
          t.equal(res.status, 405, who)
          t.equal(res.headers.allow, allow, `${who}: Allow`)
          t.same(JSON.parse(res.body).allow, allow.split(', '), `${who}: the problem document's allow member agrees`)
          t.equal(res.headers['content-type'], 'application/problem+json')
        }
        const deleted = await send(base, 'DELETE', '/users/7')
        t.equal(deleted.status, 200, 'the hidden route still serves, to anyone')
        t.equal(deleted.body, 'deleted')
      })

      t.test('OPTIONS 204 + Allow, per caller', async (t) => {
        const anon = await send(base, 'OPTIONS', '/users/7')
        t.equal(anon.status, 204)
        t.equal(anon.headers.allow, 'GET, HEAD, OPTIONS')
        const admin = await send(base, 'OPTIONS', '/users/7', { headers: ADMIN })
        t.equal(admin.status, 204)
        t.equal(admin.headers.allow, 'GET, HEAD, DELETE, OPTIONS')
        const tasks = await send(base, 'OPTIONS', '/admin/tasks', { headers: ADMIN })
        t.equal(tasks.status, 204)
        t.equal(tasks.headers.allow, 'POST, PUT, OPTIONS')
      })

      t.test('OPTIONS * over a raw socket, per caller', async (t) => {
        const anon = await optionsStar(t, base, {})
        t.equal(anon.status, 204)
        t.equal(anon.allow, 'GET, HEAD, OPTIONS', 'POST, PUT and DELETE only have routes hidden from anonymous callers')
        const bob = await optionsStar(t, base, BOB)
        t.equal(bob.allow, 'GET, HEAD, OPTIONS')
        const admin = await optionsStar(t, base, ADMIN)
        t.equal(admin.status, 204)
        t.equal(admin.allow, 'GET, HEAD, POST, PUT, DELETE, OPTIONS')
      })

      t.test('a URL whose every route is hidden for this caller answers as an unknown URL', async (t) => {
        // same length as /admin/tasks, so that Content-Length matches too
        const unknown = '/zzzzz/zzzzz'
        for (const method of ['GET', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']) {
          for (const headers of [ANON, BOB]) {
            const hidden = await exchange(base, { method, path: '/admin/tasks', headers })
            const other = await exchange(base, { method, path: unknown, headers })
            t.equal(hidden.status, 404, `${method} /admin/tasks ${JSON.stringify(headers)}: 404`)
            t.strictSame(normalized(hidden, '/admin/tasks'), normalized(other, unknown), `${method}: status, headers and body of an unknown URL`)
            t.notOk(hidden.headers.some(([name]) => name === 'allow'), 'no Allow header')
          }
        }
        const admin = await send(base, 'GET', '/admin/tasks', { headers: ADMIN })
        t.equal(admin.status, 405, 'the admin gets the 405')
        t.equal(admin.headers.allow, 'POST, PUT, OPTIONS')
      })

      t.test('the answers are those of the same app without the plugin wherever this caller sees nothing', async (t) => {
        const { base: plain } = await build(t, hook, order, false)
        for (const method of ['GET', 'PATCH', 'OPTIONS']) {
          const got = await exchange(base, { method, path: '/admin/tasks' })
          const want = await exchange(plain, { method, path: '/admin/tasks' })
          t.strictSame(got, want, `${method} /admin/tasks (anonymous): byte for byte the plain app's 404`)
        }
      })

      t.test('the memo of recent paths never serves one caller\'s answer to another', async (t) => {
        const callers = [['anonymous', ANON], ['admin', ADMIN], ['bob', BOB]] as const
        for (let round = 0; round < 4; round++) {
          for (const [who, headers] of callers) {
            const res = await send(base, 'PATCH', '/users/42', { headers })
            t.equal(res.headers.allow, who === 'admin' ? 'GET, HEAD, DELETE, OPTIONS' : 'GET, HEAD, OPTIONS', `round ${round}: ${who} PATCH /users/42`)
            const opts = await send(base, 'OPTIONS', '/users/42', { headers })
            t.equal(opts.headers.allow, who === 'admin' ? 'GET, HEAD, DELETE, OPTIONS' : 'GET, HEAD, OPTIONS', `round ${round}: ${who} OPTIONS /users/42`)
            const tasks = await send(base, 'GET', '/admin/tasks', { headers })
            t.equal(tasks.status, who === 'admin' ? 405 : 404, `round ${round}: ${who} GET /admin/tasks`)
          }
        }
        // one caller many times in a row, then the other
        for (const [who, headers] of [['admin', ADMIN], ['anonymous', ANON]] as const) {
          for (let i = 0; i < 3; i++) {
            const res = await send(base, 'GET', '/admin/tasks', { headers })
            t.equal(res.status, who === 'admin' ? 405 : 404, `${who} #${i}`)
          }
        }
      })
    })
  }
}

test('methodTable() and allowedMethods() count routes hidden by a function as visible', async (t) => {
  const { app } = await build(t, 'preHandler', 'hookFirst')
  t.same(app.methodTable(), {
    '/public': ['GET', 'HEAD'],
    '/users/:id': ['GET', 'HEAD', 'DELETE'],
    '/admin/tasks': ['POST', 'PUT']
  })
  t.same(app.allowedMethods('/users/7'), ['GET', 'HEAD', 'DELETE', 'OPTIONS'])
  t.same(app.allowedMethods('/admin/tasks'), ['POST', 'PUT', 'OPTIONS'])
})

// lib bug (issue 9): AllowResolver.resolve() remembers the decorator's answer (hide functions
// counted as visible, no request to ask them) in the memo of recent paths, and the next request
// on that path is served it without asking the hide function
test('asking allowedMethods() for a path does not change what a hidden caller gets for it', async (t) => {
  const { app, base } = await build(t, 'preHandler', 'hookFirst')
  t.same(app.allowedMethods('/users/8'), ['GET', 'HEAD', 'DELETE', 'OPTIONS'], 'the decorator counts the route as visible')
  t.same(app.allowedMethods('/admin/tasks'), ['POST', 'PUT', 'OPTIONS'])
  const patch = await send(base, 'PATCH', '/users/8')
  t.equal(patch.headers.allow, 'GET, HEAD, OPTIONS', 'anonymous PATCH /users/8 after allowedMethods(\'/users/8\')')
  const tasks = await send(base, 'GET', '/admin/tasks')
  t.equal(tasks.status, 404, 'anonymous GET /admin/tasks after allowedMethods(\'/admin/tasks\')')
  // a path the decorator was not asked about: the memo is not involved
  const fresh = await send(base, 'PATCH', '/users/9')
  t.equal(fresh.headers.allow, 'GET, HEAD, OPTIONS', 'anonymous PATCH /users/9')
  const admin = await send(base, 'PATCH', '/users/8', { headers: ADMIN })
  t.equal(admin.headers.allow, 'GET, HEAD, DELETE, OPTIONS')
})

test('a hide function sees the hooks\' work only on the 404 path: a matched route never calls it', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  withUser(app, 'preHandler')
  await app.register(fastifyAllowedMethods)
  const calls: string[] = []
  app.get('/a', async () => 'a')
  app.delete('/a', {
    config: {
      allow: {
        hide: (request) => {
          calls.push(`${request.method} ${userOf(request)?.name ?? '-'}`)
          return notAdmin(request)
        }
      }
    }
  }, async () => 'deleted')
  const base = await listen(app)
  t.equal((await send(base, 'GET', '/a')).body, 'a')
  t.equal((await send(base, 'DELETE', '/a')).body, 'deleted')
  t.same(calls, [], 'matched requests: not called')
  await send(base, 'PUT', '/a', { headers: ADMIN })
  t.ok(calls.length > 0 && calls.every(c => c === 'PUT admin'), `called with the user the preHandler hook set (${calls.join('; ')})`)
})

test('an added method whose only route is hidden (hide: true) answers 501 elsewhere; the route serves it', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.addHttpMethod('MKCOL', { hasBody: true })
  app.addHttpMethod('PROPPATCH', { hasBody: true })
  await app.register(fastifyAllowedMethods)
  app.get('/public', async () => 'public')
  app.route({ method: 'MKCOL', url: '/dav/:name', config: { allow: { hide: true } }, handler: async () => 'collection made' })
  const base = await listen(app)

  const own = await send(base, 'MKCOL', '/dav/x')
  t.equal(own.status, 200, 'the hidden route serves MKCOL on its own URL')
  t.equal(own.body, 'collection made')
  for (const path of ['/public', '/nothing', '/']) {
    const res = await send(base, 'MKCOL', path)
    t.equal(res.status, 501, `MKCOL ${path}: 501`)
    t.equal(res.headers['content-type'], 'application/problem+json')
    t.notOk(res.headers.allow, 'no Allow on a 501')
    t.match(JSON.parse(res.body), { status: 501, title: 'Not Implemented', instance: path, detail: 'The MKCOL method is not implemented by this server.' })
  }
  const proppatch = await send(base, 'PROPPATCH', '/public')
  t.equal(proppatch.status, 501, 'an added method with no route at all: 501')
  t.equal(proppatch.headers['content-type'], 'application/problem+json')
  t.equal((await send(base, 'PROPPATCH', '/nothing')).status, 501)

  const get = await send(base, 'GET', '/dav/x')
  t.equal(get.status, 404, 'the hidden route\'s URL answers other methods as an unknown URL')
  t.equal((await send(base, 'OPTIONS', '/dav/x')).status, 404)
  const star = await optionsStar(t, base, {})
  t.equal(star.allow, 'GET, HEAD, OPTIONS', 'OPTIONS * leaves MKCOL out')

  const trace = await send(base, 'TRACE', '/public')
  t.equal(trace.status, 405, 'TRACE, a standard method with no route, is never 501')
  t.equal(trace.headers.allow, 'GET, HEAD, OPTIONS')
  t.equal((await send(base, 'TRACE', '/nothing')).status, 404, 'TRACE on an unknown URL: 404')
})

test('an added method whose only route has a hide function: 501 for the callers it hides, 405/404 for the others', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.addHttpMethod('MKCOL', { hasBody: true })
  withUser(app, 'preHandler')
  await app.register(fastifyAllowedMethods)
  app.get('/public', async () => 'public')
  app.route({ method: 'MKCOL', url: '/dav/:name', config: { allow: { hide: notAdmin } }, handler: async () => 'collection made' })
  const base = await listen(app)

  for (const headers of [ANON, ADMIN]) {
    const own = await send(base, 'MKCOL', '/dav/x', { headers })
    t.equal(own.status, 200, `${JSON.stringify(headers)}: the route serves MKCOL on its own URL`)
    t.equal(own.body, 'collection made')
  }

  // hidden callers: MKCOL is a method this server does not implement for them
  for (const path of ['/public', '/nothing']) {
    const res = await send(base, 'MKCOL', path)
    t.equal(res.status, 501, `anonymous MKCOL ${path}: 501`)
    t.equal(res.headers['content-type'], 'application/problem+json')
    t.notOk(res.headers.allow)
    t.equal((await send(base, 'MKCOL', path, { headers: BOB })).status, 501, `bob MKCOL ${path}: 501`)
  }
  t.equal((await send(base, 'GET', '/dav/x')).status, 404, 'anonymous GET /dav/x: every route there is hidden from them')
  t.equal((await send(base, 'OPTIONS', '/dav/x')).status, 404, 'anonymous OPTIONS /dav/x: 404')
  t.equal((await optionsStar(t, base, {})).allow, 'GET, HEAD, OPTIONS', 'anonymous OPTIONS *: no MKCOL')

  // a caller it does not hide: MKCOL is implemented, on /dav/:name only
  const wrongUrl = await send(base, 'MKCOL', '/public', { headers: ADMIN })
  t.equal(wrongUrl.status, 405, 'admin MKCOL /public: 405, not 501')
  t.equal(wrongUrl.headers.allow, 'GET, HEAD, OPTIONS')
  t.equal((await send(base, 'MKCOL', '/nothing', { headers: ADMIN })).status, 404, 'admin MKCOL /nothing: 404')
  const wrongMethod = await send(base, 'GET', '/dav/x', { headers: ADMIN })
  t.equal(wrongMethod.status, 405, 'admin GET /dav/x: 405')
  t.equal(wrongMethod.headers.allow, 'OPTIONS, MKCOL', 'Allow lists MKCOL (after the RFC 9110 methods)')
  const options = await send(base, 'OPTIONS', '/dav/x', { headers: ADMIN })
  t.equal(options.status, 204)
  t.equal(options.headers.allow, 'OPTIONS, MKCOL')
  t.equal((await optionsStar(t, base, ADMIN)).allow, 'GET, HEAD, OPTIONS, MKCOL', 'admin OPTIONS *: MKCOL listed')

  // alternating callers on the same URLs
  for (let i = 0; i < 3; i++) {
    t.equal((await send(base, 'GET', '/dav/y', { headers: ADMIN })).status, 405, `admin #${i}`)
    t.equal((await send(base, 'GET', '/dav/y')).status, 404, `anonymous #${i}`)
    t.equal((await send(base, 'MKCOL', '/public', { headers: ADMIN })).status, 405, `admin MKCOL #${i}`)
    t.equal((await send(base, 'MKCOL', '/public')).status, 501, `anonymous MKCOL #${i}`)
  }
  t.same(app.methodTable()['/dav/:name'], ['MKCOL'], 'methodTable() counts it as visible')
})

test('bad route config fails the route registration with FST_ALLOWED_METHODS_INVALID_ROUTE_CONFIG', async (t) => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['config.allow: \'x\'', 'x', /config\.allow must be an object/],
    ['config.allow: null', null, /config\.allow must be an object/],
    ['config.allow.hide: \'yes\'', { hide: 'yes' }, /config\.allow\.hide must be a boolean or a function/],
    ['config.allow.hide: 1', { hide: 1 }, /config\.allow\.hide must be a boolean or a function/]
  ]
  for (const [what, allow, message] of cases) {
    t.test(`${what}: thrown by app.get() itself (the onRoute hook runs synchronously)`, async (t) => {
      const app = Fastify()
      t.teardown(() => app.close())
      await app.register(fastifyAllowedMethods)
      t.throws(() => app.get('/bad', { config: { allow } as never }, async () => 'x'), {
        code: 'FST_ALLOWED_METHODS_INVALID_ROUTE_CONFIG',
        message: new RegExp('route GET /bad: ' + message.source)
      })
      // the route was refused before fastify's router got it: an app that catches the error starts without it
      await app.ready()
      t.equal((await app.inject({ method: 'GET', url: '/bad' })).statusCode, 404, 'the refused route does not exist')
    })
    t.test(`${what}: inside a plugin, ready() rejects with it`, async (t) => {
      const app = Fastify()
      t.teardown(() => app.close())
      await app.register(fastifyAllowedMethods)
      app.register(async (child) => {
        child.post('/bad', { config: { allow } as never }, async () => 'x')
      }, { prefix: '/p' })
      await t.rejects(async () => { await app.ready() }, { code: 'FST_ALLOWED_METHODS_INVALID_ROUTE_CONFIG', message: /route POST \/p\/bad/ })
    })
  }
})
