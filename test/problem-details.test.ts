import { test } from 'tap'
import Fastify from 'fastify'
import fastifyAllowedMethods from '../lib/index'
import { listen, send } from './helpers/http'
import { buildProblem, notAllowedJson } from '../lib/problem'

async function build (opts = {}) {
  const app = Fastify()
  await app.register(fastifyAllowedMethods, opts)
  app.get('/items/:id', async () => 'one')
  app.delete('/items/:id', async () => 'gone')
  return app
}

test('405 body is an RFC 9457 problem document, over TCP', async (t) => {
  const app = await build()
  t.teardown(() => app.close())
  const base = await listen(app)
  const res = await send(base, 'PUT', '/items/42?dry=1&x=%20')
  t.equal(res.status, 405)
  t.equal(res.headers['content-type'], 'application/problem+json')
  t.equal(res.headers.allow, 'GET, HEAD, DELETE, OPTIONS')
  t.same(JSON.parse(res.body), {
    type: 'about:blank',
    title: 'Method Not Allowed',
    status: 405,
    detail: 'The PUT method is not allowed for /items/42. Allowed methods: GET, HEAD, DELETE, OPTIONS.',
    instance: '/items/42',
    allow: ['GET', 'HEAD', 'DELETE', 'OPTIONS']
  })
  t.equal(res.headers['content-length'], String(Buffer.byteLength(res.body)))
})

test('501 body is an RFC 9457 problem document without allow', async (t) => {
  const app = await build()
  t.teardown(() => app.close())
  const base = await listen(app)
  const res = await send(base, 'PURGE', '/items/42?x=1')
  t.equal(res.status, 501)
  t.equal(res.headers['content-type'], 'application/problem+json')
  t.notOk(res.headers.allow)
  t.same(JSON.parse(res.body), {
    type: 'about:blank',
    title: 'Not Implemented',
    status: 501,
    detail: 'The PURGE method is not implemented by this server.',
    instance: '/items/42'
  })
})

test('problemType as a string and as a function of the status', async (t) => {
  const fixed = await build({ problemType: 'https://errors.example.com/method' })
  t.teardown(() => fixed.close())
  t.equal((await fixed.inject({ method: 'POST', url: '/items/1' })).json().type, 'https://errors.example.com/method')
  const byStatus = await build({ problemType: (status: number) => `https://errors.example.com/${status}` })
  t.teardown(() => byStatus.close())
  t.equal((await byStatus.inject({ method: 'POST', url: '/items/1' })).json().type, 'https://errors.example.com/405')
  t.equal((await byStatus.inject({ method: 'PROPFIND', url: '/items/1' })).json().type, 'https://errors.example.com/501')
})

test('HEAD on a 405 gets the headers and no body', async (t) => {
  const app = Fastify({ exposeHeadRoutes: false })
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.get('/only-get', async () => 'x')
  const base = await listen(app)
  const res = await send(base, 'HEAD', '/only-get')
  t.equal(res.status, 405)
  t.equal(res.headers.allow, 'GET, OPTIONS')
  t.equal(res.headers['content-type'], 'application/problem+json')
  t.equal(res.body, '')
})

test('405 and 501 go through the app\'s onSend hooks', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-seen-by-onsend', String(reply.statusCode))
    return payload
  })
  app.get('/x', async () => 'x')
  const res = await app.inject({ method: 'POST', url: '/x' })
  t.equal(res.statusCode, 405)
  t.equal(res.headers['x-seen-by-onsend'], '405')
  const ni = await app.inject({ method: 'LINK', url: '/x' })
  t.equal(ni.statusCode, 501)
  t.equal(ni.headers['x-seen-by-onsend'], '501')
})

test('the 405 document is built without an object, byte for byte as JSON.stringify of buildProblem', async (t) => {
  const awkward = [
    ['about:blank', 'PATCH', '/items/42', ['GET', 'HEAD', 'OPTIONS']],
    ['https://example.com/probs/"quoted"', 'M-SEARCH', '/a\\b/"c"/%F0%9F%98%80', ['GET']],
    ['tag:x,2026:\u2028', 'PUT', '/caf\u00e9/\ud83d\ude00/\ud800', ['POST', 'DELETE', 'OPTIONS']],
    ['urn:x', 'DELETE', '/tab\there/\u0000/\u001f', []]
  ] as const
  for (const [type, method, instance, allow] of awkward) {
    const expected = JSON.stringify(buildProblem(405, type, method, instance, [...allow]))
    t.equal(notAllowedJson(type, method, instance, allow.join(', '), JSON.stringify(allow)), expected, `${method} ${instance}`)
  }
})
