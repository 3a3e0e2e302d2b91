import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyError, FastifyInstance } from 'fastify'
import fastifyAllowedMethods from '../lib/index'
import { FST_ALLOWED_METHODS_METHOD_NOT_ALLOWED } from '../lib/errors'
import { listen, send } from './helpers/http'

/**
 * Contract point 10: with `useErrorHandler`, 405 and 501 go through the app's error handler as
 * errors carrying `statusCode`, `allow` and `headers.allow`, and the status and Allow header stay
 * right whatever the handler writes as the body.
 */

type PluginError = FastifyError & { allow?: string[], headers?: Record<string, string> }

async function start (t: Test, setup: (app: FastifyInstance) => void): Promise<string> {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods, { useErrorHandler: true })
  setup(app)
  app.get('/items', async () => 'items')
  app.post('/items/:id', async () => 'posted')
  return listen(app)
}

test('the app\'s setErrorHandler formats 405 and 501', async (t) => {
  const seen: PluginError[] = []
  const base = await start(t, (app) => {
    app.setErrorHandler((error: PluginError, request, reply) => {
      seen.push(error)
      // a typical house format, written without touching the status or the headers
      reply.send({ failure: { code: error.code, text: error.message, path: request.url } })
    })
  })

  t.test('405', async (t) => {
    const before = seen.length
    const res = await send(base, 'DELETE', '/items?x=1')
    t.equal(res.status, 405, 'the status stays 405')
    t.equal(res.headers.allow, 'GET, HEAD, OPTIONS', 'the Allow header stays right')
    t.same(JSON.parse(res.body), { failure: { code: 'FST_ALLOWED_METHODS_METHOD_NOT_ALLOWED', text: 'Method DELETE is not allowed for /items', path: '/items?x=1' } })
    t.equal(seen.length, before + 1, 'the handler ran once')
    const error = seen[before]
    t.ok(error instanceof Error)
    t.equal(error.statusCode, 405)
    t.same(error.allow, ['GET', 'HEAD', 'OPTIONS'])
    t.same(error.headers, { allow: 'GET, HEAD, OPTIONS' })
  })

  t.test('405 on a parametric route', async (t) => {
    const res = await send(base, 'GET', '/items/3')
    t.equal(res.status, 405)
    t.equal(res.headers.allow, 'POST, OPTIONS')
    t.same(seen[seen.length - 1].allow, ['POST', 'OPTIONS'])
  })

  t.test('501', async (t) => {
    const before = seen.length
    const res = await send(base, 'PURGE', '/items')
    t.equal(res.status, 501)
    t.equal(res.headers.allow, undefined)
    t.same(JSON.parse(res.body), { failure: { code: 'FST_ALLOWED_METHODS_NOT_IMPLEMENTED', text: 'Method PURGE is not implemented by this server', path: '/items' } })
    const error = seen[before]
    t.equal(error.statusCode, 501)
    t.equal(error.allow, undefined)
  })

  t.test('HEAD: the handler runs, the answer has no body', async (t) => {
    const res = await send(base, 'HEAD', '/items/3')
    t.equal(res.status, 405)
    t.equal(res.headers.allow, 'POST, OPTIONS')
    t.equal(res.body, '')
  })

  t.test('OPTIONS and 404 are not errors', async (t) => {
    const before = seen.length
    const options = await send(base, 'OPTIONS', '/items')
    t.equal(options.status, 204)
    t.equal(options.headers.allow, 'GET, HEAD, OPTIONS')
    const missing = await send(base, 'DELETE', '/nowhere')
    t.equal(missing.status, 404)
    t.match(JSON.parse(missing.body), { message: 'Route DELETE:/nowhere not found' })
    t.equal(seen.length, before, 'the error handler did not run')
  })
})

test('a handler that uses error.statusCode and error.headers the usual way', async (t) => {
  const base = await start(t, (app) => {
    app.setErrorHandler((error: PluginError, _request, reply) => {
      reply.code(error.statusCode ?? 500).headers(error.headers ?? {}).type('application/vnd.error+json')
      return { message: error.message, allowed: error.allow ?? null }
    })
  })
  const res = await send(base, 'PUT', '/items')
  t.equal(res.status, 405)
  t.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
  t.match(res.headers['content-type'], /^application\/vnd\.error\+json/)
  t.same(JSON.parse(res.body), { message: 'Method PUT is not allowed for /items', allowed: ['GET', 'HEAD', 'OPTIONS'] })
  const purge = await send(base, 'PURGE', '/nowhere')
  t.equal(purge.status, 501)
  t.same(JSON.parse(purge.body), { message: 'Method PURGE is not implemented by this server', allowed: null })
})

test('fastify\'s default error handler with useErrorHandler: status, Allow from error.headers, its own body', async (t) => {
  const base = await start(t, () => {})
  const res = await send(base, 'PATCH', '/items')
  t.equal(res.status, 405)
  t.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
  t.match(res.headers['content-type'], /^application\/json/)
  t.same(JSON.parse(res.body), {
    statusCode: 405,
    code: 'FST_ALLOWED_METHODS_METHOD_NOT_ALLOWED',
    error: 'Method Not Allowed',
    message: 'Method PATCH is not allowed for /items'
  })
  const purge = await send(base, 'PURGE', '/items')
  t.equal(purge.status, 501)
  t.same(JSON.parse(purge.body), {
    statusCode: 501,
    code: 'FST_ALLOWED_METHODS_NOT_IMPLEMENTED',
    error: 'Not Implemented',
    message: 'Method PURGE is not implemented by this server'
  })
})

test('an error handler that fails falls back to fastify\'s, with the status and Allow intact', async (t) => {
  const base = await start(t, (app) => {
    app.setErrorHandler(() => {
      throw new Error('formatter crashed')
    })
  })
  const res = await send(base, 'DELETE', '/items')
  t.equal(res.status, 405)
  t.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
})

test('an error handler set under a prefix formats the 405s of its URLs', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods, { useErrorHandler: true })
  app.setErrorHandler((error: FastifyError, _request, reply) => { reply.send({ by: 'root', code: error.code }) })
  app.get('/items', async () => 'items')
  app.register(async (api) => {
    api.setErrorHandler((error: FastifyError, _request, reply) => { reply.send({ by: 'api', code: error.code }) })
    api.get('/users', async () => 'users')
    api.setNotFoundHandler(async (_request, reply) => reply.code(404).send('api 404'))
  }, { prefix: '/api' })
  const base = await listen(app)
  t.same(JSON.parse((await send(base, 'POST', '/items')).body), { by: 'root', code: 'FST_ALLOWED_METHODS_METHOD_NOT_ALLOWED' })
  const api = await send(base, 'POST', '/api/users')
  t.equal(api.status, 405)
  t.equal(api.headers.allow, 'GET, HEAD, OPTIONS')
  t.same(JSON.parse(api.body), { by: 'api', code: 'FST_ALLOWED_METHODS_METHOD_NOT_ALLOWED' })
})

test('the errors carry no stack trace (issue 13: capturing one cost more than the rest of the answer), the rest intact', async (t) => {
  const seen: PluginError[] = []
  const base = await start(t, (app) => {
    app.setErrorHandler((error: PluginError, _request, reply) => {
      seen.push(error)
      reply.send({ code: error.code })
    })
  })
  const limit = Error.stackTraceLimit
  await send(base, 'PATCH', '/items')
  await send(base, 'PURGE', '/items')
  t.equal(Error.stackTraceLimit, limit, 'Error.stackTraceLimit is restored')
  for (const error of seen) {
    t.ok(error instanceof Error)
    t.equal(error.name, 'FastifyError')
    t.equal(error.stack, `FastifyError: ${error.message}`, 'the stack is what V8 writes above the frames')
    t.notOk(Object.keys(error).includes('stack'), 'not enumerable, as V8\'s')
  }
  t.same(seen.map(e => [e.code, e.statusCode, e.message]), [
    ['FST_ALLOWED_METHODS_METHOD_NOT_ALLOWED', 405, 'Method PATCH is not allowed for /items'],
    ['FST_ALLOWED_METHODS_NOT_IMPLEMENTED', 501, 'Method PURGE is not implemented by this server']
  ])

  t.test('where Error.stackTraceLimit is read-only (a frozen realm), the errors keep their trace', async (t) => {
    const descriptor = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit') as PropertyDescriptor
    Object.defineProperty(Error, 'stackTraceLimit', { ...descriptor, writable: false })
    t.teardown(() => Object.defineProperty(Error, 'stackTraceLimit', descriptor))
    const res = await send(base, 'PATCH', '/items')
    t.equal(res.status, 405)
    t.ok(((seen[seen.length - 1].stack as string).split('\n').length) > 1, 'stack frames captured')
  })
})

test('a stack assigned by the app\'s handler is the error\'s own; an error created with a trace keeps its trace', async (t) => {
  const seen: PluginError[] = []
  const base = await start(t, (app) => {
    app.setErrorHandler((error: PluginError, _request, reply) => {
      'use strict' // an assignment that does not take throws here
      error.stack = 'rewritten by the app'
      seen.push(error)
      reply.send({ code: error.code })
    })
  })
  t.equal((await send(base, 'PATCH', '/items')).status, 405)
  t.equal(seen[0].stack, 'rewritten by the app')
  t.notOk(Object.keys(seen[0]).includes('stack'), 'still not enumerable')
  const direct = new FST_ALLOWED_METHODS_METHOD_NOT_ALLOWED('PATCH', '/x')
  t.ok((direct.stack as string).split('\n').length > 1, 'created outside the plugin, with a stack trace limit above 0: frames captured')
})

test('repeated 405s on one path: a new error each time (the Allow remembered, never the error), and never another caller\'s Allow', async (t) => {
  const seen: PluginError[] = []
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods, { useErrorHandler: true })
  app.setErrorHandler((error: PluginError, _request, reply) => {
    seen.push(error)
    const allow = error.allow as string[]
    reply.send({ allow: [...allow] })
    // a handler that changes what it was given must not change the next answer
    allow.push('MUTATED')
    error.message = 'mutated'
    ;(error.headers as Record<string, string>).allow = 'MUTATED'
  })
  app.get('/items', async () => 'items')
  app.delete('/items', { config: { allow: { hide: (request: { headers: Record<string, unknown> }) => request.headers['x-admin'] !== 'yes' } } }, async () => 'deleted')
  app.put('/plain', async () => 'put')
  const base = await listen(app)

  for (let i = 0; i < 3; i++) {
    const res = await send(base, 'PATCH', '/plain')
    t.equal(res.status, 405)
    t.equal(res.headers.allow, 'PUT, OPTIONS')
    t.same(JSON.parse(res.body), { allow: ['PUT', 'OPTIONS'] })
  }
  t.equal(new Set(seen).size, 3, 'three distinct error objects')
  t.same(seen.map(e => e.message), ['mutated', 'mutated', 'mutated'], 'each mutated by the handler after it answered')

  const guest = await send(base, 'PATCH', '/items')
  const admin = await send(base, 'PATCH', '/items', { headers: { 'x-admin': 'yes' } })
  const guestAgain = await send(base, 'PATCH', '/items')
  t.equal(guest.headers.allow, 'GET, HEAD, OPTIONS')
  t.equal(admin.headers.allow, 'GET, HEAD, DELETE, OPTIONS')
  t.equal(guestAgain.headers.allow, 'GET, HEAD, OPTIONS', 'the admin\'s Allow is not served to the next guest')
})
