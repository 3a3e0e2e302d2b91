import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import fastifyCors from '@fastify/cors'
import fastifyAllowedMethods from '../lib/index'
import { listen, send } from './helpers/http'

/**
 * Contract point 1: Allow honours the request's own constraints, custom strategies included,
 * however the strategy reaches fastify (`routerOptions.constraints`, or addConstraintStrategy()
 * after the plugin), and alongside hidden routes and other plugins' hidden catch-alls (which make
 * the plugin build its own router from the same strategies).
 */

function tenantStrategy () {
  return {
    name: 'tenant',
    storage () {
      const handlers = new Map<string, unknown>()
      return {
        get: (value: string) => (handlers.get(value) ?? null) as never,
        set: (value: string, handler: unknown) => { handlers.set(value, handler) }
      }
    },
    // a request without the header derives undefined, which find-my-way treats as no constraint
    deriveConstraint: (req: { headers: Record<string, string | string[] | undefined> }) => req.headers['x-tenant'] as string,
    validate () {},
    mustMatchWhenDerived: false
  }
}

function routes (app: FastifyInstance): void {
  app.get('/docs', { constraints: { tenant: 'acme' } }, async () => 'acme docs')
  app.get('/docs', { config: { allow: { hide: true } } }, async () => 'hidden fallback')
  app.post('/docs', { constraints: { tenant: 'globex' } }, async () => 'globex post')
  app.put('/docs/:id', async () => 'put')
}

/** The answers for one tenant, checked over TCP and against the decorator. */
async function expectTenant (t: Test, app: FastifyInstance, base: string, tenant: string, allow: string | undefined): Promise<void> {
  const headers = { 'x-tenant': tenant }
  const res = await send(base, 'DELETE', '/docs', { headers })
  t.equal(res.status, allow === undefined ? 404 : 405, `DELETE /docs for ${tenant}`)
  t.equal(res.headers.allow, allow)
  t.same(app.allowedMethods('/docs', headers), allow === undefined ? [] : allow.split(', '), `allowedMethods for ${tenant}`)
}

async function checkAll (t: Test, app: FastifyInstance): Promise<string> {
  const base = await listen(app)
  t.equal((await send(base, 'GET', '/docs', { headers: { 'x-tenant': 'acme' } })).body, 'acme docs')
  t.equal((await send(base, 'GET', '/docs', { headers: { 'x-tenant': 'globex' } })).body, 'hidden fallback')
  await expectTenant(t, app, base, 'acme', 'GET, HEAD, OPTIONS')
  await expectTenant(t, app, base, 'globex', 'POST, OPTIONS')
  await expectTenant(t, app, base, 'initech', undefined) // only the hidden route serves it
  const put = await send(base, 'GET', '/docs/1', { headers: { 'x-tenant': 'acme' } })
  t.equal(put.headers.allow, 'PUT, OPTIONS', 'routes without the constraint are unaffected')
  return base
}

test('a strategy in routerOptions.constraints, with a hidden route', async (t) => {
  const app = Fastify({ routerOptions: { constraints: { tenant: tenantStrategy() } } })
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  routes(app)
  await checkAll(t, app)
})

test('a strategy in routerOptions.constraints, with @fastify/cors (a hidden catch-all)', async (t) => {
  const app = Fastify({ routerOptions: { constraints: { tenant: tenantStrategy() } } })
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  await app.register(fastifyCors, { origin: true })
  routes(app)
  const base = await checkAll(t, app)
  t.equal((await send(base, 'POST', '/nowhere')).status, 404)
})

test('a strategy added with addConstraintStrategy() after the plugin', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.addConstraintStrategy(tenantStrategy())
  t.ok(app.hasConstraintStrategy('tenant'), 'fastify has the strategy')
  routes(app)
  await checkAll(t, app)
})

test('a strategy added with addConstraintStrategy() before the plugin: a clear error, not silent answers', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.addConstraintStrategy(tenantStrategy())
  await app.register(fastifyAllowedMethods)
  t.throws(() => app.get('/docs', { constraints: { tenant: 'acme' } }, async () => 'acme'), {
    code: 'FST_ALLOWED_METHODS_UNKNOWN_STRATEGY',
    message: /constraint "tenant".*Register the plugin first/
  })
  t.doesNotThrow(() => app.get('/plain', async () => 'plain'), 'routes without it are fine')
})

test('a constraint with no strategy at all keeps fastify\'s own error, and an app that catches it still starts', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.get('/x/:id', { config: { allow: { hide: true } } }, async () => 'hidden')
  t.throws(() => app.get('/x/:id(^\\d+$)', { constraints: { nosuch: 'a' } }, async () => 'x'), { message: /nosuch/ })
  app.post('/x/:id', async () => 'posted')
  const base = await listen(app)
  const res = await send(base, 'PUT', '/x/1')
  t.equal(res.status, 405)
  t.equal(res.headers.allow, 'POST, OPTIONS', 'the refused route is not counted, the hidden one is not listed')
})
