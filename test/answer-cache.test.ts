import { test } from 'tap'
import Fastify from 'fastify'
import type { FastifyRequest } from 'fastify'
import fastifyAllowedMethods from '../lib/index'
import { AnswerCache } from '../lib/answer-cache'
import type { AllowSet } from '../lib/allow'

/**
 * Issue 13: the 405s of recent paths are remembered, body included. The memory it holds is
 * bounded (entries and key length) whatever the traffic, and an answer computed for one caller is
 * never served to another: answers that depend on the caller (a `config.allow.hide` function, a
 * constraint derived from the request) are not remembered.
 */

const SET: AllowSet = Object.freeze({ methods: ['GET'], header: 'GET', json: '["GET"]' })

test('AnswerCache: one entry per path, matched on method and problem type, bounded by count', async (t) => {
  const cache = new AnswerCache()
  cache.set('/a', { method: 'PATCH', type: 'about:blank', allow: SET, body: 'one', patterns: null })
  t.equal(cache.get('/a', 'PATCH', 'about:blank')?.body, 'one')
  t.equal(cache.get('/a', 'POST', 'about:blank'), undefined, 'another method')
  t.equal(cache.get('/a', 'PATCH', 'https://example.test/p'), undefined, 'another problem type')
  t.equal(cache.get('/b', 'PATCH', 'about:blank'), undefined, 'another path')
  cache.set('/a', { method: 'POST', type: 'about:blank', allow: SET, body: 'two', patterns: null })
  t.equal(cache.get('/a', 'PATCH', 'about:blank'), undefined, 'the last method answered on a path replaces the previous one')
  t.equal(cache.size, 1)
  let largest = 0
  for (let i = 0; i < 10_000; i++) {
    cache.set(`/flood/${i}`, { method: 'PATCH', type: 'about:blank', allow: SET, body: 'x', patterns: null })
    largest = Math.max(largest, cache.size)
  }
  t.equal(largest, 1024, 'never more than 1,024 entries under a flood of new paths')
  cache.clear()
  t.equal(cache.size, 0)
})

test('a flood of new URLs, then long ones: every 405 still right', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.get('/users/:id', async () => 'user')
  app.get('/files/*', async () => 'file')
  await app.ready()
  for (let i = 0; i < 3000; i++) {
    // paths over 256 characters are never remembered
    const path = i % 2 === 0 ? `/users/${i}` : `/files/${'x'.repeat(300)}${i}`
    const res = await app.inject({ method: i % 3 === 0 ? 'POST' : 'PATCH', url: path })
    if (res.statusCode !== 405 || res.headers.allow !== 'GET, HEAD, OPTIONS' || res.json().instance !== path) {
      t.fail(`request ${i}: ${res.statusCode} ${String(res.headers.allow)} ${res.body.slice(0, 80)}`)
      return
    }
  }
  t.pass('3,000 answers, each for its own path and method')
})

test('a hide function: each caller gets its own answer, in any order, repeated', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  const notAdmin = (request: FastifyRequest): boolean => request.headers['x-admin'] === undefined
  app.get('/vault/:id', async () => 'item')
  app.delete('/vault/:id', { config: { allow: { hide: notAdmin } } }, async () => 'deleted')
  await app.ready()
  const admin = { 'x-admin': '1' }
  const sequence: Array<[Record<string, string>, string]> = [
    [admin, 'GET, HEAD, DELETE, OPTIONS'], [{}, 'GET, HEAD, OPTIONS'], [{}, 'GET, HEAD, OPTIONS'],
    [admin, 'GET, HEAD, DELETE, OPTIONS'], [admin, 'GET, HEAD, DELETE, OPTIONS'], [{}, 'GET, HEAD, OPTIONS']
  ]
  for (const [i, [headers, allow]] of sequence.entries()) {
    const res = await app.inject({ method: 'PATCH', url: '/vault/1', headers })
    t.equal(res.headers.allow, allow, `request ${i + 1} (${headers['x-admin'] === undefined ? 'anonymous' : 'admin'}): Allow`)
    t.same(res.json().allow, allow.split(', '), `request ${i + 1}: body`)
  }
})

test('a host constraint: each host gets its own answer, repeated', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.get('/items/:id', async () => 'item')
  app.put('/items/:id', { constraints: { host: 'admin.example.test' } }, async () => 'replaced')
  await app.ready()
  for (let round = 0; round < 2; round++) {
    for (const [host, allow] of [['admin.example.test', 'GET, HEAD, PUT, OPTIONS'], ['www.example.test', 'GET, HEAD, OPTIONS']]) {
      const res = await app.inject({ method: 'PATCH', url: '/items/1', headers: { host } })
      t.equal(res.headers.allow, allow, `round ${round + 1}, ${host}`)
      t.same(res.json().allow, allow.split(', '))
    }
  }
})
