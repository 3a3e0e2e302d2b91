import { test } from 'tap'
import Fastify from 'fastify'
import { createServer } from 'node:http'
import fastifyAllowedMethods from '../lib/index'
import { audit } from '../lib/audit/index'
import type { CheckResult } from '../lib/audit/index'
import { listen } from './helpers/http'
import { closeServer, listenServer } from './helpers/audit-servers'

// issue 10, item 9: a path that cannot be sent as documented (a space, non-ASCII...) is
// %-encoded, and audited with the rest

function failures (results: CheckResult[]): string[] {
  return results.filter(r => r.verdict === 'fail').map(r => `${r.method} ${r.path} ${r.check}: ${r.reason}`)
}

const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'odd paths', version: '1' },
  paths: {
    '/files/with space/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
      get: { responses: { 200: { description: 'ok' } } }
    },
    '/café': { get: { responses: { 200: { description: 'ok' } } }, delete: { responses: { 204: { description: 'gone' } } } },
    '/plain': { get: { responses: { 200: { description: 'ok' } } } }
  }
}

test('a Fastify app with such routes, audited over HTTP and in-process: every path %-encoded and clean', async (t) => {
  const app = Fastify()
  await app.register(fastifyAllowedMethods)
  app.get('/files/with space/:id', async () => ({ ok: 1 }))
  app.get('/café', async () => ({ ok: 2 }))
  app.delete('/café', async (_request, reply) => reply.code(204).send())
  app.get('/plain', async () => ({ ok: 3 }))
  t.teardown(() => app.close())
  const inProcess = await audit({ app, openapi: OPENAPI })
  t.same(failures(inProcess.results), [])
  const base = await listen(app)
  const report = await audit({ baseUrl: base, openapi: OPENAPI })
  t.same(failures(report.results), [])
  t.same([...new Set(report.results.map(r => `${r.path} -> ${r.url}`))].slice(0, 3), [
    '/files/with space/{id} -> /files/with%20space/1',
    '/café -> /caf%C3%A9',
    '/plain -> /plain'
  ])
})

test('a server that refuses the encoded path has that path reported, the rest audited', async (t) => {
  const server = createServer((req, res) => {
    const { method, url } = req as { method: string, url: string }
    if (url !== '/plain') return res.writeHead(404).end()
    if (method === 'GET' || method === 'HEAD') return res.writeHead(200, { 'content-type': 'text/plain' }).end(method === 'GET' ? 'ok' : undefined)
    if (method === 'OPTIONS') return res.writeHead(204, { allow: 'GET, HEAD, OPTIONS' }).end()
    if (method === 'PURGE') return res.writeHead(501).end()
    res.writeHead(405, { allow: 'GET, HEAD, OPTIONS' }).end()
  })
  const base = await listenServer(server)
  t.teardown(() => closeServer(server))
  const report = await audit({ baseUrl: base, openapi: OPENAPI })
  t.same(failures(report.results).filter(f => f.includes('/plain')), [])
  t.match(report.results.find(r => r.path === '/café' && r.method === 'GET'), { check: 'served', verdict: 'fail', url: '/caf%C3%A9', reason: 'The document lists GET /café, but GET /caf%C3%A9 answered 404: the server has no route for it.' })
})
