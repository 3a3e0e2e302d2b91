import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from 'fastify'
import fastifyAllowedMethods from '../../lib/index'
import { listen, send } from '../helpers/http'
import type { HttpResult } from '../helpers/http'
import { expectSameAnswers } from '../helpers/same-answers'
import type { Exchange } from '../helpers/same-answers'

/**
 * @fastify/jwt with its README's root `onRequest` hook calling `request.jwtVerify()`: the hook runs
 * for every request, 404s included, so a caller without a valid token gets jwt's 401 for a wrong
 * method, OPTIONS or PURGE too (no Allow, no method list), exactly as without the plugin; a caller
 * with a valid token gets the 405, 204 and 501.
 */

// @fastify/jwt's types declare `request.user` for every file of the program (tsconfig.json takes
// in all tests), which would clash with other tests' own `user`: loaded untyped, with the two
// decorations used here typed locally
const fastifyJwt = require('@fastify/jwt') as FastifyPluginCallback<{ secret: string }>
interface JwtRequest { jwtVerify: () => Promise<unknown>, user: unknown }
const jwt = (request: FastifyRequest): JwtRequest => request as unknown as JwtRequest
const sign = (app: FastifyInstance, payload: object): string => (app as unknown as { jwt: { sign: (p: object) => string } }).jwt.sign(payload)

type Order = 'plugin first' | 'package first'
const ORDERS: Order[] = ['plugin first', 'package first']

/** The README's two spellings of the root hook. */
type Hook = 'try/catch, reply.send(err)' | 'returns request.jwtVerify()'
const HOOKS: Hook[] = ['try/catch, reply.send(err)', 'returns request.jwtVerify()']

const SECRET = 'a-secret-long-enough-for-hs256-tests'

async function build (t: Test, order: Order | null, hook: Hook): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  if (order === 'plugin first') await app.register(fastifyAllowedMethods)
  await app.register(fastifyJwt, { secret: SECRET })
  if (hook === 'try/catch, reply.send(err)') {
    app.addHook('onRequest', async (request, reply) => {
      try {
        await jwt(request).jwtVerify()
      } catch (err) {
        reply.send(err)
      }
    })
  } else {
    app.addHook('onRequest', (request) => jwt(request).jwtVerify())
  }
  if (order === 'package first') await app.register(fastifyAllowedMethods)
  app.get('/me', async (request) => ({ user: jwt(request).user }))
  app.patch('/me', async (request) => ({ user: jwt(request).user, patch: request.body }))
  return app
}

const ALLOW = 'GET, HEAD, OPTIONS, PATCH'

function unauthorized (t: Test, res: HttpResult, code: string, what: string): void {
  t.equal(res.status, 401, `${what}: 401`)
  t.equal(res.headers.allow, undefined, `${what}: no Allow`)
  t.match(JSON.parse(res.body), { statusCode: 401, code })
  t.notMatch(res.body, /\b(?:GET|HEAD|PATCH|OPTIONS)\b|"allow"/, `${what}: no method list`)
}

for (const hook of HOOKS) {
  for (const order of ORDERS) {
    test(`@fastify/jwt, root onRequest hook that ${hook} (${order})`, async (t) => {
      const app = await build(t, order, hook)
      const base = await listen(app)
      const plainBase = await listen(await build(t, null, hook))
      const token = { authorization: `Bearer ${sign(app, { name: 'ada' })}` }
      const forged = { authorization: 'Bearer not.a.token' }
      const json = { 'content-type': 'application/json' }

      t.test('no token or a bad one: 401 for the wrong method, OPTIONS and PURGE, as without the plugin', async (t) => {
        const anonymous: Exchange[] = [
          { method: 'DELETE', path: '/me' },
          { method: 'POST', path: '/me?x=1', headers: json, body: '{"a":1}' },
          { method: 'OPTIONS', path: '/me' },
          { method: 'PURGE', path: '/me' },
          { method: 'GET', path: '/nowhere' }
        ]
        for (const ex of anonymous) {
          unauthorized(t, await send(base, ex.method, ex.path, ex), 'FST_JWT_NO_AUTHORIZATION_IN_HEADER', `${ex.method} ${ex.path}`)
        }
        const bad = anonymous.map((ex) => ({ ...ex, headers: { ...ex.headers, ...forged } }))
        for (const ex of bad) {
          unauthorized(t, await send(base, ex.method, ex.path, ex), 'FST_JWT_AUTHORIZATION_TOKEN_INVALID', `${ex.method} ${ex.path} with a bad token`)
        }
        await expectSameAnswers(t, base, plainBase, [...anonymous, ...bad])
      })

      t.test('a valid token: 405 with the exact Allow, OPTIONS 204, PURGE 501', async (t) => {
        const wrong = await send(base, 'DELETE', '/me', { headers: token })
        t.equal(wrong.status, 405)
        t.equal(wrong.headers.allow, ALLOW)
        t.match(JSON.parse(wrong.body), { status: 405, instance: '/me', allow: ALLOW.split(', ') })
        const withBody = await send(base, 'POST', '/me', { headers: { ...token, ...json }, body: '{"a":1}' })
        t.equal(withBody.status, 405)
        t.equal(withBody.headers.allow, ALLOW)
        const options = await send(base, 'OPTIONS', '/me', { headers: token })
        t.equal(options.status, 204)
        t.equal(options.headers.allow, ALLOW)
        const purge = await send(base, 'PURGE', '/me', { headers: token })
        t.equal(purge.status, 501)
        t.equal(purge.headers.allow, undefined)
        t.equal((await send(base, 'GET', '/nowhere', { headers: token })).status, 404)
      })

      t.test('matched routes answer as without the plugin', async (t) => {
        await expectSameAnswers(t, base, plainBase, [
          { method: 'GET', path: '/me' },
          { method: 'GET', path: '/me', headers: forged },
          { method: 'GET', path: '/me', headers: token },
          { method: 'HEAD', path: '/me', headers: token },
          { method: 'PATCH', path: '/me', headers: { ...token, ...json }, body: '{"name":"Ada"}' }
        ])
      })
    })
  }
}
