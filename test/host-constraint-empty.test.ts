import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import fastifyAllowedMethods from '../lib/index'
import { listen } from './helpers/http'
import { RawConnection } from './helpers/raw-http'
import type { RawResponse } from './helpers/raw-http'

/**
 * Found by differential fuzzing (issue 9): a route whose host constraint is a RegExp matching ''
 * and a request with an empty `Host:` header. find-my-way derives the host with `||`, so an empty
 * Host derives no host and the constrained route does not route; the 405's Allow (and OPTIONS)
 * must say exactly that.
 */

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']

/** One request over a raw socket, with exactly the header lines given (no Host unless listed). */
async function raw (t: Test, base: string, method: string, target: string, headerLines: string[], version = 'HTTP/1.1'): Promise<RawResponse> {
  const conn = await RawConnection.open(Number(new URL(base).port))
  t.teardown(() => conn.close())
  conn.write([`${method} ${target} ${version}`, ...headerLines, 'connection: close', '', ''].join('\r\n'))
  const res = await conn.response({ bodyless: method === 'HEAD' })
  conn.close()
  return res
}

async function build (t: Test, setup: (app: FastifyInstance) => void): Promise<string> {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  setup(app)
  return listen(app)
}

/**
 * For the given Host header lines: the 405's Allow lists exactly the methods that route (each
 * checked with a real request with the same Host lines), and OPTIONS agrees with it.
 */
async function checkAgreement (t: Test, base: string, path: string, hostLines: string[], probe: string, expected: string, version?: string): Promise<void> {
  const label = `${JSON.stringify(hostLines)}${version === undefined ? '' : ' ' + version}`
  const wrong = await raw(t, base, probe, path, hostLines, version)
  t.equal(wrong.status, 405, `${probe} ${path} ${label}: 405`)
  t.equal(wrong.headers.allow, expected, `${label}: Allow`)
  const allow = (wrong.headers.allow ?? '').split(', ')
  t.same(JSON.parse(wrong.body).allow, allow, `${label}: the problem document agrees`)

  const options = await raw(t, base, 'OPTIONS', path, hostLines, version)
  t.equal(options.status, 204, `OPTIONS ${path} ${label}: 204`)
  t.equal(options.headers.allow, wrong.headers.allow, `${label}: OPTIONS agrees with the 405`)

  for (const method of METHODS) {
    if (method === 'OPTIONS') continue
    const res = await raw(t, base, method, path, hostLines, version)
    if (allow.includes(method)) {
      t.equal(res.status, 200, `${method} ${path} ${label}: listed, and it routes`)
    } else {
      t.equal(res.status, 405, `${method} ${path} ${label}: not listed, and it does not route (405)`)
      t.equal(res.headers.allow, expected, `${method} ${path} ${label}: the same Allow`)
    }
  }
}

test('a RegExp host constraint that matches \'\' and an empty Host header', async (t) => {
  const base = await build(t, (app) => {
    app.get('/x', { constraints: { host: /^.*$/ } }, async () => 'constrained get')
    app.post('/x', async () => 'unconstrained post')
  })

  await t.test('empty Host: only the unconstrained route routes', async (t) => {
    await checkAgreement(t, base, '/x', ['Host: '], 'DELETE', 'POST, OPTIONS')
    await checkAgreement(t, base, '/x', ['Host:'], 'PUT', 'POST, OPTIONS')
    await checkAgreement(t, base, '/x', ['Host:   '], 'PATCH', 'POST, OPTIONS')
  })

  await t.test('a non-empty Host: both routes', async (t) => {
    await checkAgreement(t, base, '/x', ['Host: example.com'], 'DELETE', 'GET, HEAD, POST, OPTIONS')
    await checkAgreement(t, base, '/x', ['Host: 127.0.0.1'], 'PUT', 'GET, HEAD, POST, OPTIONS')
  })

  await t.test('HTTP/1.0 without any Host header: no host derived either', async (t) => {
    await checkAgreement(t, base, '/x', [], 'DELETE', 'POST, OPTIONS', 'HTTP/1.0')
  })

  await t.test('the same path asked again with and without a Host keeps each answer', async (t) => {
    for (let i = 0; i < 3; i++) {
      t.equal((await raw(t, base, 'DELETE', '/x', ['Host: '])).headers.allow, 'POST, OPTIONS', `empty Host #${i}`)
      t.equal((await raw(t, base, 'DELETE', '/x', ['Host: a.example'])).headers.allow, 'GET, HEAD, POST, OPTIONS', `Host a.example #${i}`)
    }
  })
})

test('an empty Host with only host-constrained routes on the path: the app\'s 404, as without the plugin', async (t) => {
  const base = await build(t, (app) => {
    app.get('/only', { constraints: { host: /^.*$/ } }, async () => 'constrained')
    app.put('/only', { constraints: { host: /.*/ } }, async () => 'constrained put')
  })
  for (const method of ['DELETE', 'OPTIONS', 'GET', 'PUT']) {
    const res = await raw(t, base, method, '/only', ['Host: '])
    t.equal(res.status, 404, `${method} /only, empty Host: 404`)
    t.notOk(res.headers.allow, 'no Allow')
  }
  const withHost = await raw(t, base, 'DELETE', '/only', ['Host: h'])
  t.equal(withHost.status, 405)
  t.equal(withHost.headers.allow, 'GET, HEAD, PUT, OPTIONS')
})

test('an empty Host with a string host constraint beside a RegExp one', async (t) => {
  const base = await build(t, (app) => {
    app.get('/m', { constraints: { host: 'api.example.com' } }, async () => 'api')
    app.delete('/m', { constraints: { host: /^$|^www\./ } }, async () => 'www or empty')
    app.post('/m', async () => 'any')
  })
  await checkAgreement(t, base, '/m', ['Host: '], 'PUT', 'POST, OPTIONS')
  await checkAgreement(t, base, '/m', ['Host: api.example.com'], 'PUT', 'GET, HEAD, POST, OPTIONS')
  await checkAgreement(t, base, '/m', ['Host: www.example.com'], 'PUT', 'POST, DELETE, OPTIONS')
})
