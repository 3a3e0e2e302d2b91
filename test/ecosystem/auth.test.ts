import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyContextConfig, FastifyInstance, FastifyRequest } from 'fastify'
import fastifyAuth from '@fastify/auth'
import fastifyAllowedMethods from '../../lib/index'
import { listen, send } from '../helpers/http'
import type { HttpResult } from '../helpers/http'
import { expectSameAnswers } from '../helpers/same-answers'
import type { Exchange } from '../helpers/same-answers'

/**
 * @fastify/auth in its three usual setups. An anonymous caller must learn from a 405, an OPTIONS or
 * a 501 no more than the 404 it replaces would tell them: where the app's auth hook guards the 404
 * path, it guards these answers too (401, no Allow, no method list); where it does not, they are
 * answered like the 404 would be, unguarded.
 */

type Order = 'plugin first' | 'package first'
const ORDERS: Order[] = ['plugin first', 'package first']

const TOKEN = { authorization: 'Bearer ada' }

interface User { name: string }

/** `request.user`, as the app's own auth code sets it. */
function userOf (request: FastifyRequest): User | null {
  return (request as unknown as { user?: User }).user ?? null
}

function authenticate (request: FastifyRequest): boolean {
  if (request.headers.authorization !== TOKEN.authorization) return false;
  (request as unknown as { user?: User }).user = { name: 'ada' }
  return true
}

/** A @fastify/auth strategy (a rejected promise fails it), recording each call. */
function verifier (calls: string[]) {
  return async function verifyToken (request: FastifyRequest): Promise<void> {
    calls.push(`${request.method} ${request.url}`)
    if (!authenticate(request)) throw new Error('missing or invalid token')
  }
}

/** The plugin in the given order around @fastify/auth, or not at all (`null`: the reference app). */
async function withAuth (t: Test, order: Order | null, setup: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  if (order === 'plugin first') await app.register(fastifyAllowedMethods)
  await app.register(fastifyAuth)
  if (order === 'package first') await app.register(fastifyAllowedMethods)
  setup(app)
  return app
}

function unauthorized (t: Test, res: HttpResult, what: string): void {
  t.equal(res.status, 401, `${what}: 401`)
  t.equal(res.headers.allow, undefined, `${what}: no Allow`)
  t.notMatch(res.body, /\b(?:GET|HEAD|POST|DELETE|OPTIONS)\b|"allow"/, `${what}: no method list`)
}

function methodNotAllowed (t: Test, res: HttpResult, allow: string, what: string): void {
  t.equal(res.status, 405, `${what}: 405`)
  t.equal(res.headers.allow, allow, `${what}: Allow`)
  t.equal(res.headers['content-type'], 'application/problem+json')
  t.match(JSON.parse(res.body), { status: 405, allow: allow.split(', ') })
}

function noContent (t: Test, res: HttpResult, allow: string, what: string): void {
  t.equal(res.status, 204, `${what}: 204`)
  t.equal(res.headers.allow, allow, `${what}: Allow`)
  t.equal(res.body, '')
}

function notImplemented (t: Test, res: HttpResult, what: string): void {
  t.equal(res.status, 501, `${what}: 501`)
  t.equal(res.headers.allow, undefined)
  t.match(JSON.parse(res.body), { status: 501, title: 'Not Implemented' })
}

const json = { 'content-type': 'application/json' }

for (const order of ORDERS) {
  test(`(a) root preHandler, app.addHook('preHandler', app.auth([...])) (${order})`, async (t) => {
    // @fastify/auth's README, "hook level": it guards every request, 404s included
    const setup = (calls: string[]) => (app: FastifyInstance) => {
      app.addHook('preHandler', app.auth([verifier(calls)]))
      app.get('/admin/users', async (request) => ({ users: ['ada', 'grace'], for: userOf(request)?.name }))
      app.post('/admin/users', async (request) => ({ created: request.body }))
    }
    const calls: string[] = []
    const base = await listen(await withAuth(t, order, setup(calls)))
    const plainBase = await listen(await withAuth(t, null, setup([])))
    const allow = 'GET, HEAD, POST, OPTIONS'

    t.test('anonymous: 401 for the wrong method, OPTIONS and PURGE, as without the plugin', async (t) => {
      const probes: Exchange[] = [
        { method: 'DELETE', path: '/admin/users' },
        { method: 'PUT', path: '/admin/users?page=2', headers: json, body: '{"name":"eve"}' },
        { method: 'OPTIONS', path: '/admin/users' },
        { method: 'PURGE', path: '/admin/users' },
        { method: 'GET', path: '/nowhere' }
      ]
      for (const probe of probes) {
        unauthorized(t, await send(base, probe.method, probe.path, probe), `${probe.method} ${probe.path}`)
      }
      await expectSameAnswers(t, base, plainBase, probes)
    })

    t.test('authenticated: 405 with the exact Allow, OPTIONS 204, PURGE 501; the auth hook ran once for each', async (t) => {
      calls.length = 0
      methodNotAllowed(t, await send(base, 'DELETE', '/admin/users', { headers: TOKEN }), allow, 'DELETE')
      methodNotAllowed(t, await send(base, 'PUT', '/admin/users', { headers: { ...TOKEN, ...json }, body: '{"name":"eve"}' }), allow, 'PUT with a body')
      noContent(t, await send(base, 'OPTIONS', '/admin/users', { headers: TOKEN }), allow, 'OPTIONS')
      notImplemented(t, await send(base, 'PURGE', '/admin/users', { headers: TOKEN }), 'PURGE')
      const missing = await send(base, 'GET', '/nowhere', { headers: TOKEN })
      t.equal(missing.status, 404, 'an unknown URL stays the app\'s 404')
      t.strictSame(calls, ['DELETE /admin/users', 'PUT /admin/users', 'OPTIONS /admin/users', 'PURGE /admin/users', 'GET /nowhere'])
    })

    t.test('matched routes answer as without the plugin', async (t) => {
      await expectSameAnswers(t, base, plainBase, [
        { method: 'GET', path: '/admin/users' },
        { method: 'GET', path: '/admin/users', headers: TOKEN },
        { method: 'HEAD', path: '/admin/users', headers: TOKEN },
        { method: 'POST', path: '/admin/users', headers: { ...TOKEN, ...json }, body: '{"name":"eve"}' },
        { method: 'POST', path: '/admin/users', headers: json, body: '{"name":"eve"}' }
      ])
    })
  })

  test(`(b) route-level { preHandler: app.auth([...]) } only (${order})`, async (t) => {
    const setup = (calls: string[]) => (app: FastifyInstance) => {
      const guard = app.auth([verifier(calls)])
      app.get('/admin/users', { preHandler: guard }, async (request) => ({ users: ['ada'], for: userOf(request)?.name }))
      app.post('/admin/users', { preHandler: guard }, async (request) => ({ created: request.body }))
    }
    const calls: string[] = []
    const base = await listen(await withAuth(t, order, setup(calls)))
    const plainBase = await listen(await withAuth(t, null, setup([])))
    const allow = 'GET, HEAD, POST, OPTIONS'

    t.test('a wrong method is answered without auth: the 404 path has no auth hook', async (t) => {
      calls.length = 0
      methodNotAllowed(t, await send(base, 'DELETE', '/admin/users'), allow, 'anonymous DELETE')
      noContent(t, await send(base, 'OPTIONS', '/admin/users'), allow, 'anonymous OPTIONS')
      notImplemented(t, await send(base, 'PURGE', '/admin/users'), 'anonymous PURGE')
      t.strictSame(calls, [], 'the route-level auth never ran')
      // ...which is what the 404 it replaces gets: no 401 either
      const reference = await send(plainBase, 'DELETE', '/admin/users')
      t.equal(reference.status, 404, 'without the plugin: an unguarded 404, not a 401')
      t.match(JSON.parse(reference.body), { message: 'Route DELETE:/admin/users not found' })
    })

    t.test('matched routes answer as without the plugin', async (t) => {
      await expectSameAnswers(t, base, plainBase, [
        { method: 'GET', path: '/admin/users' },
        { method: 'GET', path: '/admin/users', headers: TOKEN },
        { method: 'HEAD', path: '/admin/users' },
        { method: 'POST', path: '/admin/users', headers: { ...TOKEN, ...json }, body: '{"name":"eve"}' }
      ])
    })
  })

  /**
   * An encapsulated scope with its own onRequest auth hook, under a prefix. The scope's hook runs
   * for the scope's routes only: fastify's 404 path for `/admin/...` is the root's.
   */
  type Recipe = 'none' | 'setNotFoundHandler in the scope' | 'allow.hide as a function'

  const scoped = (recipe: Recipe, calls: string[]) => (app: FastifyInstance) => {
    if (recipe === 'allow.hide as a function') {
      // who the caller is must be known on the 404 path: a root hook that identifies without refusing
      app.addHook('onRequest', async (request) => { authenticate(request) })
    }
    app.get('/items', async () => ['public'])
    app.register(async (admin) => {
      admin.addHook('onRequest', admin.auth([verifier(calls)]))
      if (recipe === 'setNotFoundHandler in the scope') {
        admin.setNotFoundHandler(async (_request, reply) => reply.code(404).send({ error: 'Not Found', scope: 'admin' }))
      }
      const config: FastifyContextConfig = recipe === 'allow.hide as a function'
        ? { allow: { hide: (request: FastifyRequest) => userOf(request) === null } }
        : {}
      admin.get('/users', { config }, async (request) => ({ users: ['ada'], for: userOf(request)?.name }))
      admin.delete('/users/:id', { config }, async (request) => ({ deleted: (request.params as { id: string }).id }))
    }, { prefix: '/admin' })
  }

  const scopedMatched: Exchange[] = [
    { method: 'GET', path: '/items' },
    { method: 'GET', path: '/admin/users' },
    { method: 'GET', path: '/admin/users', headers: TOKEN },
    { method: 'HEAD', path: '/admin/users', headers: TOKEN },
    { method: 'DELETE', path: '/admin/users/7' },
    { method: 'DELETE', path: '/admin/users/7', headers: TOKEN }
  ]

  test(`(c) scoped onRequest auth under a prefix, no recipe (${order})`, async (t) => {
    const calls: string[] = []
    const base = await listen(await withAuth(t, order, scoped('none', calls)))
    const plainBase = await listen(await withAuth(t, null, scoped('none', [])))

    t.test('the scope\'s hook does not guard the root 404 path', async (t) => {
      calls.length = 0
      const missing = await send(plainBase, 'GET', '/admin/nowhere')
      t.equal(missing.status, 404, 'without the plugin: an anonymous 404 under /admin, not a 401')
      await expectSameAnswers(t, base, plainBase, [{ method: 'GET', path: '/admin/nowhere' }])
      t.equal((await send(plainBase, 'DELETE', '/admin/users')).status, 404, 'without the plugin: DELETE /admin/users is an unguarded 404')
      methodNotAllowed(t, await send(base, 'DELETE', '/admin/users'), 'GET, HEAD, OPTIONS', 'with it, an unguarded 405')
      noContent(t, await send(base, 'OPTIONS', '/admin/users'), 'GET, HEAD, OPTIONS', 'and an unguarded OPTIONS')
      t.strictSame(calls, [], 'the scope\'s auth never ran')
      unauthorized(t, await send(base, 'GET', '/admin/users'), 'the scope\'s own route stays guarded')
    })

    t.test('matched routes answer as without the plugin', async (t) => {
      await expectSameAnswers(t, base, plainBase, scopedMatched)
    })
  })

  test(`(c) recipe: setNotFoundHandler inside the scope, after its auth hook (${order})`, async (t) => {
    const recipe = 'setNotFoundHandler in the scope'
    const calls: string[] = []
    const base = await listen(await withAuth(t, order, scoped(recipe, calls)))
    const plainBase = await listen(await withAuth(t, null, scoped(recipe, [])))

    t.test('anonymous: 401 under the prefix, as without the plugin', async (t) => {
      const probes: Exchange[] = [
        { method: 'DELETE', path: '/admin/users' },
        { method: 'OPTIONS', path: '/admin/users' },
        { method: 'PURGE', path: '/admin/users' },
        { method: 'PUT', path: '/admin/users/7' },
        { method: 'GET', path: '/admin/nowhere' }
      ]
      for (const probe of probes) unauthorized(t, await send(base, probe.method, probe.path), `${probe.method} ${probe.path}`)
      await expectSameAnswers(t, base, plainBase, probes)
    })

    t.test('authenticated: 405 + Allow, OPTIONS, 501, the scope\'s 404', async (t) => {
      calls.length = 0
      methodNotAllowed(t, await send(base, 'DELETE', '/admin/users', { headers: TOKEN }), 'GET, HEAD, OPTIONS', 'DELETE /admin/users')
      methodNotAllowed(t, await send(base, 'PUT', '/admin/users/7', { headers: TOKEN }), 'DELETE, OPTIONS', 'PUT /admin/users/7')
      noContent(t, await send(base, 'OPTIONS', '/admin/users', { headers: TOKEN }), 'GET, HEAD, OPTIONS', 'OPTIONS')
      notImplemented(t, await send(base, 'PURGE', '/admin/users', { headers: TOKEN }), 'PURGE')
      const missing = await send(base, 'GET', '/admin/nowhere', { headers: TOKEN })
      t.equal(missing.status, 404)
      t.strictSame(JSON.parse(missing.body), { error: 'Not Found', scope: 'admin' }, 'the scope\'s own 404')
      t.equal(calls.length, 5, 'the scope\'s auth ran once for each')
    })

    t.test('outside the scope nothing changes: the root 404 path is unguarded', async (t) => {
      methodNotAllowed(t, await send(base, 'DELETE', '/items'), 'GET, HEAD, OPTIONS', 'anonymous DELETE /items')
    })

    t.test('matched routes answer as without the plugin', async (t) => {
      await expectSameAnswers(t, base, plainBase, scopedMatched)
    })
  })

  test(`(c) recipe: config.allow.hide = (request) => !request.user (${order})`, async (t) => {
    const recipe = 'allow.hide as a function'
    const calls: string[] = []
    const base = await listen(await withAuth(t, order, scoped(recipe, calls)))
    const plainBase = await listen(await withAuth(t, null, scoped(recipe, [])))

    t.test('anonymous: the app\'s 404, byte for byte as without the plugin', async (t) => {
      const probes: Exchange[] = [
        { method: 'DELETE', path: '/admin/users' },
        { method: 'OPTIONS', path: '/admin/users' },
        { method: 'POST', path: '/admin/users', headers: json, body: '{}' },
        { method: 'PUT', path: '/admin/users/7' },
        { method: 'OPTIONS', path: '/admin/users/7' }
      ]
      for (const probe of probes) {
        const res = await send(base, probe.method, probe.path, probe)
        t.equal(res.status, 404, `${probe.method} ${probe.path}: 404`)
        t.equal(res.headers.allow, undefined)
      }
      await expectSameAnswers(t, base, plainBase, probes)
      const purge = await send(base, 'PURGE', '/admin/users')
      const unknown = await send(base, 'PURGE', '/admin/nowhere')
      t.equal(purge.status, 501, 'PURGE: 501, as on any unknown URL')
      t.equal(unknown.status, 501)
      t.equal(purge.headers.allow, undefined)
      const star = await send(base, 'OPTIONS', '*')
      t.equal(star.status, 204)
      t.equal(star.headers.allow, 'GET, HEAD, OPTIONS', 'OPTIONS * leaves out what this caller cannot see')
    })

    t.test('authenticated: the 405 with Allow, and OPTIONS', async (t) => {
      methodNotAllowed(t, await send(base, 'DELETE', '/admin/users', { headers: TOKEN }), 'GET, HEAD, OPTIONS', 'DELETE /admin/users')
      methodNotAllowed(t, await send(base, 'PUT', '/admin/users/7', { headers: TOKEN }), 'DELETE, OPTIONS', 'PUT /admin/users/7')
      noContent(t, await send(base, 'OPTIONS', '/admin/users', { headers: TOKEN }), 'GET, HEAD, OPTIONS', 'OPTIONS /admin/users')
      const star = await send(base, 'OPTIONS', '*', { headers: TOKEN })
      t.equal(star.headers.allow, 'GET, HEAD, DELETE, OPTIONS', 'OPTIONS * for this caller')
    })

    t.test('no answer computed for one caller is served to the other', async (t) => {
      for (let round = 0; round < 3; round++) {
        t.equal((await send(base, 'DELETE', '/admin/users')).status, 404, `round ${round}: anonymous`)
        t.equal((await send(base, 'DELETE', '/admin/users', { headers: TOKEN })).status, 405, `round ${round}: authenticated`)
        t.equal((await send(base, 'OPTIONS', '/admin/users/7')).status, 404, `round ${round}: anonymous OPTIONS`)
        t.equal((await send(base, 'OPTIONS', '/admin/users/7', { headers: TOKEN })).headers.allow, 'DELETE, OPTIONS', `round ${round}: authenticated OPTIONS`)
      }
    })

    t.test('outside the hidden routes nothing changes', async (t) => {
      methodNotAllowed(t, await send(base, 'DELETE', '/items'), 'GET, HEAD, OPTIONS', 'anonymous DELETE /items')
    })

    t.test('matched routes answer as without the plugin', async (t) => {
      await expectSameAnswers(t, base, plainBase, scopedMatched)
    })
  })
}

/**
 * The app's own root notFound handler set before the plugin: the plugin appends its hooks to that
 * handler's context at ready, so an auth hook added before or after the plugin runs first.
 */
for (const hookAdded of ['before the plugin', 'after the plugin'] as const) {
  test(`(a) root preHandler auth added ${hookAdded}, the app's root notFound handler set before the plugin`, async (t) => {
    const build = async (withPlugin: boolean): Promise<string> => {
      const app = Fastify()
      t.teardown(() => app.close())
      app.setNotFoundHandler(async (_request, reply) => reply.code(404).send({ error: 'Not Found', mine: true }))
      await app.register(fastifyAuth)
      const guard = app.auth([verifier([])])
      if (hookAdded === 'before the plugin') app.addHook('preHandler', guard)
      if (withPlugin) await app.register(fastifyAllowedMethods)
      if (hookAdded === 'after the plugin') app.addHook('preHandler', guard)
      app.get('/admin/users', async () => ({ users: ['ada'] }))
      return listen(app)
    }
    const base = await build(true)
    const plainBase = await build(false)
    const anonymous: Exchange[] = [
      { method: 'DELETE', path: '/admin/users' },
      { method: 'OPTIONS', path: '/admin/users' },
      { method: 'PURGE', path: '/admin/users' }
    ]
    for (const ex of anonymous) unauthorized(t, await send(base, ex.method, ex.path), `anonymous ${ex.method}`)
    await expectSameAnswers(t, base, plainBase, anonymous)
    methodNotAllowed(t, await send(base, 'DELETE', '/admin/users', { headers: TOKEN }), 'GET, HEAD, OPTIONS', 'authenticated DELETE')
    await expectSameAnswers(t, base, plainBase, [
      { method: 'GET', path: '/admin/users' },
      { method: 'GET', path: '/admin/users', headers: TOKEN },
      { method: 'GET', path: '/nowhere', headers: TOKEN }
    ])
  })
}
