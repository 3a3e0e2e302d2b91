import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import type { AddressInfo } from 'node:net'
import fastifyAllowedMethods from '../lib/index'
import type { FastifyAllowedMethodsOptions } from '../lib/index'
import { RawConnection, rawRequest } from './helpers/raw-http'
import type { RawResponse } from './helpers/raw-http'

/**
 * Unusual methods over raw TCP: what Node's parser refuses, CONNECT, methods fastify does not
 * support (501), TRACE and QUERY, HEAD on a 405, `OPTIONS *`, exposeHeadRoute and addHttpMethod.
 * inject() differs from real traffic on several of these (it uppercases `get`, throws on `FOO`,
 * answers CONNECT), so everything here goes over a socket.
 */

type Routes = (app: FastifyInstance) => void

const defaultRoutes: Routes = (app) => {
  app.get('/thing', async () => 'thing')
  app.post('/only-post', async () => 'posted')
  app.delete('/items/:id', async () => 'deleted')
}

async function serve (t: Test, routes: Routes, opts: FastifyAllowedMethodsOptions | null = {}, server: FastifyServerOptions = {}): Promise<number> {
  const app = Fastify(server)
  if (opts !== null) await app.register(fastifyAllowedMethods, opts)
  routes(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  return (app.server.address() as AddressInfo).port
}

/** Sends raw `bytes` (one request) and reads one response; the connection is closed afterwards. */
async function exchange (t: Test, port: number, bytes: string, bodyless = false): Promise<RawResponse> {
  const conn = await RawConnection.open(port)
  t.teardown(() => conn.close())
  conn.write(bytes)
  return conn.response({ bodyless })
}

function problem (res: RawResponse): Record<string, unknown> {
  return JSON.parse(res.body) as Record<string, unknown>
}

test('requests Node\'s HTTP parser refuses keep fastify\'s own answer', async (t) => {
  const withPlugin = await serve(t, defaultRoutes)
  const without = await serve(t, defaultRoutes, null)
  for (const line of ['get /thing', 'post /thing', 'purge /thing', 'FOO /thing', 'G-ET /thing', 'BREW /thing']) {
    t.test(line, async (t) => {
      const bytes = `${line} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`
      const res = await exchange(t, withPlugin, bytes)
      const reference = await exchange(t, without, bytes)
      t.equal(res.status, 400)
      t.equal(res.status, reference.status)
      t.equal(res.body, reference.body)
      t.equal(res.headers.allow, undefined)
    })
  }
})

test('CONNECT: the connection is closed without a byte, as without the plugin', async (t) => {
  const withPlugin = await serve(t, defaultRoutes)
  const without = await serve(t, defaultRoutes, null)
  for (const target of ['127.0.0.1:9', '/thing']) {
    for (const port of [withPlugin, without]) {
      const conn = await RawConnection.open(port)
      t.teardown(() => conn.close())
      conn.write(`CONNECT ${target} HTTP/1.1\r\nhost: ${target}\r\n\r\n`)
      t.equal(await conn.waitClosed(), '', `CONNECT ${target} (${port === withPlugin ? 'with' : 'without'} the plugin)`)
    }
  }
})

test('methods fastify does not support: 501 with problem+json on any path', async (t) => {
  const port = await serve(t, defaultRoutes)
  for (const method of ['PURGE', 'LINK', 'PROPFIND', 'UNLINK', 'M-SEARCH', 'MKCOL']) {
    for (const url of ['/thing', '/nowhere', '/items/1?x=1']) {
      t.test(`${method} ${url}`, async (t) => {
        const res = await exchange(t, port, rawRequest(method, url))
        t.equal(res.status, 501)
        t.equal(res.headers['content-type'], 'application/problem+json')
        t.equal(res.headers.allow, undefined, 'a 501 has no Allow')
        t.same(problem(res), {
          type: 'about:blank',
          title: 'Not Implemented',
          status: 501,
          detail: `The ${method} method is not implemented by this server.`,
          instance: url.split('?')[0]
        })
      })
    }
  }

  t.test('a 501 answers at once even when a large body is announced', async (t) => {
    const res = await exchange(t, port, rawRequest('PROPFIND', '/thing', { 'content-type': 'application/xml', 'content-length': 5000 }, '<a/>'))
    t.equal(res.status, 501)
  })
})

test('notImplemented: false: unsupported methods get 405 or 404 like any other', async (t) => {
  const port = await serve(t, defaultRoutes, { notImplemented: false })
  for (const method of ['PURGE', 'LINK', 'PROPFIND']) {
    const known = await exchange(t, port, rawRequest(method, '/thing'))
    t.equal(known.status, 405, `${method} /thing`)
    t.equal(known.headers.allow, 'GET, HEAD, OPTIONS')
    t.match(problem(known), { status: 405, detail: new RegExp(`The ${method} method is not allowed`) })
    const unknown = await exchange(t, port, rawRequest(method, '/nowhere'))
    t.equal(unknown.status, 404, `${method} /nowhere`)
    t.equal(unknown.headers.allow, undefined)
    t.same(problem(unknown), { message: `Route ${method}:/nowhere not found`, error: 'Not Found', statusCode: 404 })
  }
})

test('TRACE and QUERY are standard methods: 405 or 404, never 501', async (t) => {
  const port = await serve(t, defaultRoutes)
  const trace = await exchange(t, port, rawRequest('TRACE', '/thing'))
  t.equal(trace.status, 405)
  t.equal(trace.headers.allow, 'GET, HEAD, OPTIONS')
  t.equal((await exchange(t, port, rawRequest('TRACE', '/nowhere'))).status, 404)
  const query = await exchange(t, port, rawRequest('QUERY', '/only-post', { 'content-type': 'application/json', 'content-length': 2 }, '{}'))
  t.equal(query.status, 405)
  t.equal(query.headers.allow, 'POST, OPTIONS')
  t.equal((await exchange(t, port, rawRequest('QUERY', '/nowhere', { 'content-type': 'application/json', 'content-length': 2 }, '{}'))).status, 404)

  t.test('served where a route exists', async (t) => {
    const served = await serve(t, (app) => {
      app.route({ method: 'TRACE', url: '/t', handler: async () => 'traced' })
      app.route({ method: 'QUERY', url: '/q', handler: async () => 'queried' })
    })
    t.equal((await exchange(t, served, rawRequest('TRACE', '/t'))).body, 'traced')
    t.equal((await exchange(t, served, rawRequest('QUERY', '/q', { 'content-type': 'text/plain', 'content-length': 1 }, 'x'))).body, 'queried')
    const res = await exchange(t, served, rawRequest('GET', '/t'))
    t.equal(res.status, 405)
    t.equal(res.headers.allow, 'OPTIONS, TRACE')
    t.equal((await exchange(t, served, rawRequest('POST', '/q'))).headers.allow, 'OPTIONS, QUERY')
  })
})

test('HEAD on a 405: the headers of the 405, no body', async (t) => {
  const port = await serve(t, defaultRoutes)
  const conn = await RawConnection.open(port)
  t.teardown(() => conn.close())
  // pipelined: if any body byte followed the HEAD answer, the next response would not parse
  conn.write(rawRequest('HEAD', '/only-post') + rawRequest('HEAD', '/items/7') + rawRequest('GET', '/thing'))
  const head = await conn.response({ bodyless: true })
  t.equal(head.status, 405)
  t.equal(head.headers.allow, 'POST, OPTIONS')
  t.equal(head.headers['content-type'], 'application/problem+json')
  t.ok(Number(head.headers['content-length']) > 0, 'Content-Length of the body a GET would get')
  const second = await conn.response({ bodyless: true })
  t.equal(second.status, 405)
  t.equal(second.headers.allow, 'DELETE, OPTIONS')
  const next = await conn.response()
  t.equal(next.status, 200)
  t.equal(next.body, 'thing')
})

test('OPTIONS * answers 204 with every method the server implements', async (t) => {
  const routes: Routes = (app) => {
    defaultRoutes(app)
    app.patch('/hidden', { config: { allow: { hide: true } } }, async () => 'hidden')
  }

  t.test('over raw TCP', async (t) => {
    const port = await serve(t, routes)
    const res = await exchange(t, port, rawRequest('OPTIONS', '*'))
    t.equal(res.status, 204)
    t.equal(res.headers.allow, 'GET, HEAD, POST, DELETE, OPTIONS')
    t.equal(res.body, '')
  })

  t.test('when the app has OPTIONS routes of its own', async (t) => {
    const port = await serve(t, (app) => {
      routes(app)
      app.options('/thing', async () => 'my options')
    })
    const res = await exchange(t, port, rawRequest('OPTIONS', '*'))
    t.equal(res.status, 204)
    t.equal(res.headers.allow, 'GET, HEAD, POST, DELETE, OPTIONS')
    t.equal((await exchange(t, port, rawRequest('OPTIONS', '/thing'))).body, 'my options')
  })

  t.test('other methods on * keep fastify\'s answer', async (t) => {
    const port = await serve(t, routes)
    const without = await serve(t, routes, null)
    for (const method of ['GET', 'POST', 'DELETE']) {
      const res = await exchange(t, port, rawRequest(method, '*'))
      const reference = await exchange(t, without, rawRequest(method, '*'))
      t.equal(res.status, reference.status, `${method} * (${reference.status})`)
      t.equal(res.body, reference.body)
    }
  })

  t.test('autoOptions: false: OPTIONS * keeps fastify\'s answer', async (t) => {
    const port = await serve(t, routes, { autoOptions: false })
    const without = await serve(t, routes, null)
    const res = await exchange(t, port, rawRequest('OPTIONS', '*'))
    const reference = await exchange(t, without, rawRequest('OPTIONS', '*'))
    t.equal(res.status, reference.status)
    t.equal(res.body, reference.body)
    t.equal(res.headers.allow, undefined)
  })
})

test('exposeHeadRoutes: false: no automatic HEAD, so HEAD is not allowed', async (t) => {
  const port = await serve(t, (app) => {
    defaultRoutes(app)
    app.get('/with-head', { exposeHeadRoute: true }, async () => 'x')
  }, {}, { exposeHeadRoutes: false })
  const post = await exchange(t, port, rawRequest('POST', '/thing'))
  t.equal(post.status, 405)
  t.equal(post.headers.allow, 'GET, OPTIONS')
  const head = await exchange(t, port, rawRequest('HEAD', '/thing'), true)
  t.equal(head.status, 405)
  t.equal(head.headers.allow, 'GET, OPTIONS')
  const options = await exchange(t, port, rawRequest('OPTIONS', '/thing'))
  t.equal(options.headers.allow, 'GET, OPTIONS')
  t.equal((await exchange(t, port, rawRequest('POST', '/with-head'))).headers.allow, 'GET, HEAD, OPTIONS', 'a route may still ask for its HEAD')
  t.equal((await exchange(t, port, rawRequest('OPTIONS', '*'))).headers.allow, 'GET, HEAD, POST, DELETE, OPTIONS')

  t.test('per route', async (t) => {
    const port = await serve(t, (app) => {
      app.get('/no-head', { exposeHeadRoute: false }, async () => 'x')
    })
    t.equal((await exchange(t, port, rawRequest('PUT', '/no-head'))).headers.allow, 'GET, OPTIONS')
    t.equal((await exchange(t, port, rawRequest('HEAD', '/no-head'), true)).status, 405)
  })
})

test('addHttpMethod: an added method is supported, routed and listed', async (t) => {
  const port = await serve(t, (app) => {
    app.addHttpMethod('PROPFIND', { hasBody: true })
    app.addHttpMethod('LOCK')
    defaultRoutes(app)
    app.route({ method: 'PROPFIND', url: '/dav/:res', handler: async () => 'props' })
    app.all('/everything', async (request) => request.method)
  })
  t.equal((await exchange(t, port, rawRequest('PROPFIND', '/dav/x'))).body, 'props')
  const get = await exchange(t, port, rawRequest('GET', '/dav/x'))
  t.equal(get.status, 405)
  t.equal(get.headers.allow, 'OPTIONS, PROPFIND')
  const propfind = await exchange(t, port, rawRequest('PROPFIND', '/thing'))
  t.equal(propfind.status, 405, 'PROPFIND is supported now: 405, not 501')
  t.equal(propfind.headers.allow, 'GET, HEAD, OPTIONS')
  t.equal((await exchange(t, port, rawRequest('PROPFIND', '/nowhere'))).status, 404)
  const lock = await exchange(t, port, rawRequest('LOCK', '/thing'))
  t.equal(lock.status, 405, 'an added method without any route is still a supported one')
  t.equal((await exchange(t, port, rawRequest('LOCK', '/everything'))).body, 'LOCK', 'all() includes added methods')
  t.equal((await exchange(t, port, rawRequest('PURGE', '/thing'))).status, 501, 'a method never added stays 501')
  const star = await exchange(t, port, rawRequest('OPTIONS', '*'))
  t.equal(star.headers.allow, 'GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE, PATCH, QUERY, LOCK, PROPFIND')
})
