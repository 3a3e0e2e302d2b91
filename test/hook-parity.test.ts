import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fastifyCors from '@fastify/cors'
import fastifyPlugin from 'fastify-plugin'
import fastifyAllowedMethods from '../lib/index'
import type { FastifyAllowedMethodsOptions } from '../lib/index'
import { OptionsExtras } from '../lib/options-extras'
import { Responder } from '../lib/responder'
import { resolveOptions } from '../lib/options'
import type { AllowResolver } from '../lib/allow'
import { listen, send } from './helpers/http'
import { RawConnection } from './helpers/raw-http'
import { appWithLog } from './helpers/log'

/**
 * Issue 9, hook parity: a 405, 501 or automatic OPTIONS passes exactly the hooks fastify runs for
 * the 404 it replaces; a hook that answers wins and no method list leaks; without later hooks the
 * answer stays in onRequest, before the body is read.
 */

const AUTH = { authorization: 'Bearer ok' }

function note (request: FastifyRequest, name: string): void {
  const r = request as unknown as { seen: string[] | null }
  ;(r.seen ??= []).push(name)
}

/** Records every hook that ran, in order, into `x-hooks` (set in onSend). */
function recorder (app: FastifyInstance, names: string[]): void {
  app.decorateRequest('seen', null)
  for (const name of names) {
    const hook = (request: FastifyRequest, _reply: FastifyReply, ...rest: unknown[]): void => {
      note(request, `root:${name}`)
      const done = rest[rest.length - 1] as (err: null, payload?: unknown) => void
      if (name === 'preParsing') done(null, rest[0])
      else done(null)
    }
    app.addHook(name as 'onRequest', hook as never)
  }
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-hooks', ((request as unknown as { seen: string[] | null }).seen ?? []).join(' '))
  })
}

/** The root preHandler auth hook of @fastify/auth's README: anonymous requests get 401. */
async function auth (request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.headers.authorization !== AUTH.authorization) await reply.code(401).send({ error: 'Unauthorized' })
}

async function build (t: Test, opts: FastifyAllowedMethodsOptions, setup: (app: FastifyInstance) => void | Promise<void>): Promise<{ app: FastifyInstance, base: string }> {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods, opts)
  await setup(app)
  app.get('/admin/users', async () => 'users')
  app.get('/items', async () => 'items')
  return { app, base: await listen(app) }
}

test('a root preHandler auth hook guards 405, 501 and OPTIONS as it guards the 404: anonymous callers learn nothing', async (t) => {
  const { base } = await build(t, {}, (app) => { app.addHook('preHandler', auth) })
  for (const method of ['DELETE', 'OPTIONS', 'PURGE', 'POST']) {
    const res = await send(base, method, '/admin/users')
    t.equal(res.status, 401, `anonymous ${method}`)
    t.equal(res.headers.allow, undefined, 'no Allow')
    t.notMatch(res.body, /GET|HEAD/, 'no method list in the body')
  }
  t.equal((await send(base, 'DELETE', '/nowhere')).status, 401, 'the 404 it replaces is a 401 too')
  const wrong = await send(base, 'DELETE', '/admin/users', { headers: AUTH })
  t.equal(wrong.status, 405)
  t.equal(wrong.headers.allow, 'GET, HEAD, OPTIONS')
  const options = await send(base, 'OPTIONS', '/admin/users', { headers: AUTH })
  t.equal(options.status, 204)
  t.equal(options.headers.allow, 'GET, HEAD, OPTIONS')
  const purge = await send(base, 'PURGE', '/admin/users', { headers: AUTH })
  t.equal(purge.status, 501)
  t.equal((await send(base, 'DELETE', '/nowhere', { headers: AUTH })).status, 404)
  t.equal((await send(base, 'GET', '/admin/users', { headers: AUTH })).body, 'users')
})

test('the same hooks run, in the same order, for a 405, a 501, an OPTIONS and the 404 they replace', async (t) => {
  const stages = ['onRequest', 'preParsing', 'preValidation', 'preHandler']
  const { app, base } = await build(t, {}, (app) => {
    recorder(app, stages)
    app.register(async (api) => {
      api.setNotFoundHandler({
        preValidation: (request, _reply, done) => { note(request, 'api:preValidation'); done() },
        preHandler: (request, _reply, done) => { note(request, 'api:preHandler'); done() }
      }, async (_request, reply) => reply.code(404).send('api 404'))
      api.get('/things', async () => 'things')
    }, { prefix: '/api' })
  })
  t.ok(app)
  const root404 = (await send(base, 'DELETE', '/nowhere')).headers['x-hooks']
  t.equal(root404, stages.map(s => `root:${s}`).join(' '))
  for (const [method, url] of [['DELETE', '/items'], ['OPTIONS', '/items'], ['PURGE', '/items']]) {
    const res = await send(base, method as string, url as string)
    t.equal(res.headers['x-hooks'], root404, `${method} ${url}: the hooks of the 404`)
  }
  const api404 = await send(base, 'DELETE', '/api/nowhere')
  t.equal(api404.body, 'api 404')
  t.equal(api404.headers['x-hooks'], 'root:onRequest root:preParsing root:preValidation api:preValidation root:preHandler api:preHandler')
  for (const method of ['DELETE', 'OPTIONS', 'PURGE']) {
    const res = await send(base, method, '/api/things')
    t.equal(res.headers['x-hooks'], api404.headers['x-hooks'], `${method} under the prefix: the hooks of that prefix's 404`)
    t.not(res.status, 404)
  }
})

test('a rate limiter in setNotFoundHandler({ preHandler }) limits 405s as it limits 404s', async (t) => {
  let count = 0
  const { base } = await build(t, {}, (app) => {
    app.setNotFoundHandler({
      preHandler: async (_request: FastifyRequest, reply: FastifyReply) => { if (++count > 2) await reply.code(429).send({ error: 'Too Many Requests' }) }
    }, async (_request, reply) => reply.code(404).send('none'))
  })
  t.equal((await send(base, 'DELETE', '/items')).status, 405)
  t.equal((await send(base, 'PURGE', '/items')).status, 501)
  for (const method of ['DELETE', 'PURGE', 'OPTIONS', 'GET']) {
    const res = await send(base, method, method === 'GET' ? '/nowhere' : '/items')
    t.equal(res.status, 429, method)
    t.equal(res.headers.allow, undefined)
  }
  t.equal((await send(base, 'GET', '/items')).body, 'items', 'matched routes are not limited by a notFound hook')
})

test('without later hooks the answer is sent before the body is read; with them the body is treated as on the way to the 404', async (t) => {
  const bad = { headers: { 'content-type': 'application/json' }, body: '{not json' }
  const early = await build(t, {}, () => {})
  const res = await send(early.base, 'POST', '/items', bad)
  t.equal(res.status, 405, 'invalid JSON never parsed')
  const late = await build(t, {}, (app) => { app.addHook('preValidation', async () => {}) })
  const lateRes = await send(late.base, 'POST', '/items', bad)
  const lateUnknown = await send(late.base, 'POST', '/nowhere', bad)
  t.equal(lateUnknown.status, 400, 'fastify parses the body on the way to a 404')
  t.equal(lateRes.status, 400, 'and on the way to the 405 that replaces it')
  t.equal((await send(late.base, 'POST', '/items', { headers: { 'content-type': 'application/json' }, body: '{}' })).status, 405)
})

test('an unfinished body: answered at once without later hooks', async (t) => {
  const { base } = await build(t, {}, () => {})
  const conn = await RawConnection.open(Number(new URL(base).port))
  t.teardown(() => conn.close())
  conn.write('POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":')
  const res = await conn.response()
  t.equal(res.status, 405)
})

test('answerEarly: true answers in onRequest, before the later hooks', async (t) => {
  const { app, base } = await build(t, { answerEarly: true }, (app) => { app.addHook('preHandler', auth) })
  const res = await send(base, 'DELETE', '/admin/users')
  t.equal(res.status, 405, 'the auth hook is skipped, as asked')
  t.equal((await send(base, 'DELETE', '/nowhere')).status, 401, 'a 404 still passes it')
  t.equal((await send(base, 'GET', '/admin/users')).status, 401)
  t.notMatch(app.printRoutes({ includeHooks: true }), /allowed/i)
})

test('reply.callNotFound() from a matched route stays a 404 when later hooks exist', async (t) => {
  const { base } = await build(t, {}, (app) => {
    app.addHook('preHandler', async () => {})
    app.get('/maybe/:id', async (_request, reply) => reply.callNotFound())
    app.post('/maybe/:id', async () => 'posted')
  })
  const res = await send(base, 'GET', '/maybe/1')
  t.equal(res.status, 404)
  t.equal(res.headers.allow, undefined)
})

test('@fastify/cors, plugin first, preflightContinue: a plain OPTIONS routed to cors\' catch-all passes the root auth hook', async (t) => {
  const { base } = await build(t, {}, async (app) => {
    await app.register(fastifyCors, { origin: true, strictPreflight: false, preflightContinue: true })
    app.addHook('preHandler', auth)
  })
  const anonymous = await send(base, 'OPTIONS', '/items')
  t.equal(anonymous.status, 401)
  t.equal(anonymous.headers.allow, undefined)
  const known = await send(base, 'OPTIONS', '/items', { headers: AUTH })
  t.equal(known.status, 204)
  t.equal(known.headers.allow, 'GET, HEAD, OPTIONS')
  t.equal((await send(base, 'OPTIONS', '/nowhere', { headers: AUTH })).status, 404)
  const preflight = await send(base, 'OPTIONS', '/items', { headers: { origin: 'https://a.example', 'access-control-request-method': 'GET', ...AUTH } })
  t.equal(preflight.headers.allow, undefined, 'a preflight stays cors\' business')
})

test('a wrapper of setNotFoundHandler that refuses a call without a handler (as @fastify/otel\'s): hooks still only in notFound contexts', async (t) => {
  const kOriginal = Symbol('wrapper.original')
  const wrapper = fastifyPlugin(async (app: FastifyInstance) => {
    app.decorate(kOriginal as unknown as string, app.setNotFoundHandler)
    app.setNotFoundHandler = function patched (this: FastifyInstance, opts: unknown, handler?: unknown) {
      const original = (this as unknown as Record<symbol, (...a: unknown[]) => FastifyInstance>)[kOriginal] as (...a: unknown[]) => FastifyInstance
      if (typeof opts === 'function') return original.call(this, opts)
      if (typeof handler !== 'function') throw new TypeError('Cannot read properties of undefined (reading \'name\')')
      return original.call(this, opts, handler)
    } as FastifyInstance['setNotFoundHandler']
  })
  const { app, messages } = appWithLog()
  t.teardown(() => app.close())
  await app.register(wrapper)
  await app.register(fastifyAllowedMethods)
  app.addHook('preHandler', auth)
  app.get('/items', async () => 'items')
  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send('mine'))
  const base = await listen(app)
  t.notMatch(app.printRoutes({ includeHooks: true }), /onRequest/, 'no hook on routes')
  t.equal(messages(), '', 'no fallback warning')
  t.equal((await send(base, 'DELETE', '/items')).status, 401)
  const res = await send(base, 'DELETE', '/items', { headers: AUTH })
  t.equal(res.status, 405)
  t.equal((await send(base, 'GET', '/nowhere', { headers: AUTH })).body, 'mine')
})

test('fallback: only where no setNotFoundHandler of fastify accepts the hooks, with a warning saying why', async (t) => {
  t.test('a wrapper that refuses and hides the original', async (t) => {
    const { app, messages } = appWithLog()
    t.teardown(() => app.close())
    app.setNotFoundHandler = function refusing () { throw new TypeError('no handler') } as unknown as FastifyInstance['setNotFoundHandler']
    // in this last resort the plugin's late hook is a root preHandler: root preHandler hooks
    // added before the plugin run first, those added after it do not (README)
    app.addHook('preHandler', auth)
    await app.register(fastifyAllowedMethods)
    await app.register(fastifyCors, { origin: true, strictPreflight: false, preflightContinue: true })
    app.get('/items', async () => 'items')
    const base = await listen(app)
    t.match(messages(), /setNotFoundHandler\(\) refused the plugin's hooks \(no handler\), so its hooks run on every request/)
    t.match(app.printRoutes({ includeHooks: true }), /fastifyAllowedMethodsLateAnswer/, 'here routes do carry its hooks (as fastify names them)')
    t.equal((await send(base, 'DELETE', '/items', { headers: AUTH })).status, 405)
    t.equal((await send(base, 'DELETE', '/items')).status, 401)
    const options = await send(base, 'OPTIONS', '/items', { headers: AUTH })
    t.equal(options.status, 204, 'a plain OPTIONS routed to cors\' catch-all, seen by the root hook')
    t.equal(options.headers.allow, 'GET, HEAD, OPTIONS')
    t.equal((await send(base, 'OPTIONS', '/items')).status, 401)
    t.equal((await send(base, 'GET', '/items', { headers: AUTH })).body, 'items')
  })
  t.test('the root notFound context out of reach (another fastify): root hooks, with a warning', async (t) => {
    const { app, messages } = appWithLog()
    t.teardown(() => app.close())
    app.setNotFoundHandler(async (_request, reply) => reply.code(404).send('mine'))
    await app.register(async () => {}) // fastify applies the handler in an after() callback
    const key = Object.getOwnPropertySymbols(app).find(s => s.description === 'fastify.404ContextKey') as symbol
    const holder = app as unknown as Record<symbol, unknown>
    const context = holder[key]
    holder[key] = {}
    app.addHook('preHandler', auth)
    await app.register(fastifyAllowedMethods)
    holder[key] = context
    app.get('/items', async () => 'items')
    const base = await listen(app)
    t.match(messages(), /the app set its root notFound handler before registering the plugin, so its hooks run on every request/)
    t.equal((await send(base, 'DELETE', '/items', { headers: AUTH })).status, 405)
    t.equal((await send(base, 'GET', '/nowhere', { headers: AUTH })).body, 'mine')
  })
  t.test('the app\'s root notFound handler set before, behind a wrapper: fastify\'s own refusal is recognised', async (t) => {
    const kOriginal = Symbol('wrapper.original')
    const { app, messages } = appWithLog()
    t.teardown(() => app.close())
    app.setNotFoundHandler(async (_request, reply) => reply.code(404).send('mine'))
    const original = app.setNotFoundHandler;
    (app as unknown as Record<symbol, unknown>)[kOriginal] = original
    app.setNotFoundHandler = function patched () { throw new TypeError('no handler') } as unknown as FastifyInstance['setNotFoundHandler']
    await app.register(fastifyAllowedMethods)
    app.addHook('preHandler', auth)
    app.get('/items', async () => 'items')
    const base = await listen(app)
    t.match(messages(), /the app set its root notFound handler before registering the plugin: its hooks are added to that handler's context at ready/)
    t.notMatch(app.printRoutes({ includeHooks: true }), /fastifyAllowedMethodsLateAnswer|onNotFoundRequest|onCatchAllRequest/, 'no hook of the plugin on routes')
    t.equal((await send(base, 'DELETE', '/items')).status, 401, 'the root preHandler added after the plugin runs first')
    t.equal((await send(base, 'DELETE', '/items', { headers: AUTH })).status, 405)
    t.equal((await send(base, 'GET', '/nowhere', { headers: AUTH })).body, 'mine')
    t.equal((await send(base, 'GET', '/items', { headers: AUTH })).body, 'items')
  })
  t.test('the app\'s root notFound handler set before the plugin: its context gets the hooks, with a warning', async (t) => {
    const { app, messages } = appWithLog()
    t.teardown(() => app.close())
    app.setNotFoundHandler(async (_request, reply) => reply.code(404).send('mine'))
    await app.register(fastifyAllowedMethods, { answerEarly: true })
    app.get('/items', async () => 'items')
    const base = await listen(app)
    t.match(messages(), /the app set its root notFound handler before registering the plugin: its hooks are added.*Register the plugin before calling setNotFoundHandler\(\)/)
    t.equal((await send(base, 'DELETE', '/items')).status, 405)
    t.equal((await send(base, 'GET', '/nowhere')).body, 'mine')
    t.notMatch(app.printRoutes({ includeHooks: true }), /\(onRequest\)|\(preHandler\)/, 'no hook on routes')
  })
})

test('a request whose route context cannot be read is answered late (hook parity kept)', async (t) => {
  const fake = {
    allowed: () => null,
    resolve: () => null,
    derive: () => undefined,
    serverWide: () => [],
    implements: () => true
  } as unknown as AllowResolver
  const options = resolveOptions({})
  const responder = new Responder(options, fake, () => ['GET'], new OptionsExtras(options, fake))
  responder.prepare()
  const request = { raw: { method: 'GET', url: '/x' }, headers: {}, is404: true } as unknown as FastifyRequest
  let calls = 0
  responder.onNotFoundRequest(request, {} as FastifyReply, () => { calls++ })
  t.equal(calls, 1, 'passed on to the later hooks')
  responder.onPreHandler(request, {} as FastifyReply, () => { calls++ })
  t.equal(calls, 2, 'answered (here: nothing to say) in the late hook')
})
