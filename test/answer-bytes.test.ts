import { test } from 'tap'
import type { Test } from 'tap'
import { connect } from 'node:net'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import fastifyAllowedMethods from '../lib/index'
import type { FastifyAllowedMethodsOptions } from '../lib/index'
import { buildProblem } from '../lib/problem'

/**
 * Issue 13: the 405, 501 and OPTIONS answers are sent the cheapest way fastify allows (a string
 * through an identity serializer, a 405 remembered per path) and stay byte for byte what they
 * were: `content-type: application/problem+json` with no charset parameter, the same headers in
 * the same order, a body equal to `JSON.stringify` of the problem object. Read off a raw socket,
 * so that nothing between the server and the test normalises the bytes.
 */

function rawExchange (port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => socket.end(head + '\r\nHost: example.test\r\nConnection: close\r\n\r\n'))
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => { text += chunk })
    socket.on('error', reject)
    socket.on('close', () => resolve(text.replace(/\r\ndate: [^\r]*/i, '\r\ndate: <date>')))
  })
}

async function start (t: Test, options: FastifyAllowedMethodsOptions = {}, setup?: (app: FastifyInstance) => void): Promise<number> {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods, options)
  setup?.(app)
  app.get('/users/:id', async () => ({ ok: true }))
  app.put('/users/:id', async () => ({ ok: true }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  return (app.server.address() as { port: number }).port
}

function expected (status: string, headers: string[], body: string): string {
  return `HTTP/1.1 ${status}\r\n${headers.join('\r\n')}\r\n\r\n${body}`
}

test('405: exact bytes, first and repeated (remembered) answer alike', async (t) => {
  const port = await start(t)
  const allow = ['GET', 'HEAD', 'PUT', 'OPTIONS']
  for (const [target, instance] of [['/users/42?x=1', '/users/42'], ['/users/%C3%A9%22x', '/users/%C3%A9%22x'], ['/users/a"b\\c', '/users/a"b\\c']]) {
    const body = JSON.stringify(buildProblem(405, 'about:blank', 'PATCH', instance, allow))
    const want = expected('405 Method Not Allowed', [
      'allow: GET, HEAD, PUT, OPTIONS',
      'content-type: application/problem+json',
      `content-length: ${Buffer.byteLength(body)}`,
      'date: <date>',
      'Connection: close'
    ], body)
    t.equal(await rawExchange(port, `PATCH ${target} HTTP/1.1`), want, `${target}: first answer`)
    t.equal(await rawExchange(port, `PATCH ${target} HTTP/1.1`), want, `${target}: repeated`)
  }
  // another method on a remembered path: its own body, not the remembered one
  const del = JSON.stringify(buildProblem(405, 'about:blank', 'POST', '/users/42', allow))
  t.match(await rawExchange(port, 'POST /users/42 HTTP/1.1'), `\r\n\r\n${del}`, 'POST after PATCH on the same path')
  t.match(await rawExchange(port, 'PATCH /users/42 HTTP/1.1'), '"detail":"The PATCH method', 'and PATCH again')
})

test('501 and OPTIONS: exact bytes', async (t) => {
  const port = await start(t)
  for (const [target, instance] of [['/users/42?q', '/users/42'], [`/${'l'.repeat(300)}`, `/${'l'.repeat(300)}`]]) {
    const body = JSON.stringify(buildProblem(501, 'about:blank', 'PURGE', instance))
    const want = expected('501 Not Implemented', [
      'content-type: application/problem+json',
      `content-length: ${Buffer.byteLength(body)}`,
      'date: <date>',
      'Connection: close'
    ], body)
    t.equal(await rawExchange(port, `PURGE ${target} HTTP/1.1`), want, `${target.slice(0, 20)}: first answer`)
    t.equal(await rawExchange(port, `PURGE ${target} HTTP/1.1`), want, `${target.slice(0, 20)}: repeated`)
  }
  t.match(await rawExchange(port, 'LINK /users/42 HTTP/1.1'), '"detail":"The LINK method is not implemented by this server."', 'another method on a remembered path')
  t.equal(await rawExchange(port, 'OPTIONS /users/42 HTTP/1.1'), expected('204 No Content', [
    'allow: GET, HEAD, PUT, OPTIONS',
    'date: <date>',
    'Connection: close'
  ], ''))
})

test('a problemType function: the remembered answer follows the type it returns', async (t) => {
  let type = 'https://example.test/problems/one'
  const port = await start(t, { problemType: () => type })
  t.match(await rawExchange(port, 'PATCH /users/1 HTTP/1.1'), '{"type":"https://example.test/problems/one"')
  t.match(await rawExchange(port, 'PURGE /users/1 HTTP/1.1'), '{"type":"https://example.test/problems/one","title":"Not Implemented"')
  type = 'https://example.test/problems/two'
  t.match(await rawExchange(port, 'PATCH /users/1 HTTP/1.1'), '{"type":"https://example.test/problems/two"', 'not the body remembered with the old type')
  t.match(await rawExchange(port, 'PURGE /users/1 HTTP/1.1'), '{"type":"https://example.test/problems/two","title":"Not Implemented","status":501,')
})

test('onSend hooks see the problem document as a string, and may replace it', async (t) => {
  const seen: unknown[] = []
  const port = await start(t, {}, (app) => {
    app.addHook('onSend', async (request, _reply, payload) => {
      seen.push(payload)
      return request.headers['x-replace'] === undefined ? payload : 'replaced'
    })
  })
  const first = await rawExchange(port, 'PATCH /users/7 HTTP/1.1')
  await rawExchange(port, 'PATCH /users/7 HTTP/1.1')
  t.same(seen.map(p => typeof p), ['string', 'string'])
  t.equal(seen[0], seen[1])
  t.equal(first.slice(first.indexOf('\r\n\r\n') + 4), seen[0])
  const replaced = await rawExchange(port, 'PATCH /users/7 HTTP/1.1\r\nx-replace: 1')
  t.match(replaced, /content-type: application\/problem\+json\r\ncontent-length: 8\r\n[\s\S]*\r\n\r\nreplaced$/, 'a hook replacing the remembered body changes this answer only')
  t.match(await rawExchange(port, 'PATCH /users/7 HTTP/1.1'), '"detail":"The PATCH method is not allowed for /users/7.')
})
