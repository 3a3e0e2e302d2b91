import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import express from 'express'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import fastifyAllowedMethods from '../../lib/index'

/** Starts a node:http server (or an Express app's) on 127.0.0.1 and returns its base URL. */
export async function listenServer (server: Server): Promise<string> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

export function closeServer (server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise(resolve => server.close(() => resolve()))
}

/**
 * The example API of the audit tests and of the README report: items with ids, a report kind
 * from an enum, files under a wildcard, @fastify/swagger's document served by @fastify/swagger-ui
 * at /documentation/json. `withPlugin: false` is the same app without fastify-allowed-methods.
 */
export async function buildFastifyApi (withPlugin: boolean): Promise<FastifyInstance> {
  const app = Fastify()
  if (withPlugin) await app.register(fastifyAllowedMethods)
  await app.register(swagger, { openapi: { info: { title: 'Items API', version: '1.0.0' } } })
  await app.register(swaggerUi, { routePrefix: '/documentation' })
  const items = new Map([[1, { id: 1, name: 'first' }]])
  const id = { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] } as const
  app.get('/items', async () => [...items.values()])
  app.post('/items', async (_request, reply) => reply.code(201).send({ id: items.size + 1 }))
  app.get('/items/:id', { schema: { params: id } }, async (request, reply) => {
    const item = items.get((request.params as { id: number }).id)
    return item ?? reply.code(404).send({ message: 'no such item' })
  })
  app.put('/items/:id', { schema: { params: id } }, async (request) => ({ id: (request.params as { id: number }).id }))
  app.delete('/items/:id', { schema: { params: id } }, async (_request, reply) => reply.code(204).send())
  app.get('/reports/:kind', { schema: { params: { type: 'object', properties: { kind: { type: 'string', enum: ['daily', 'weekly'] } } } } }, async (request) => ({ kind: (request.params as { kind: string }).kind }))
  app.get('/health', async () => ({ ok: true }))
  app.get('/internal/metrics', { schema: { hide: true } }, async () => ({ up: 1 }))
  return app
}

/** The OpenAPI 3.1 document of the Express app below (YAML in test/fixtures/audit/express-openapi.yaml). */
export const EXPRESS_MISTAKES = {
  /** No 405 handler on /items: wrong methods get Express' 404 without Allow. */
  missingAllowItems: '/items',
  /** OPTIONS /items is the app's own handler, and it lies: it advertises DELETE. */
  optionsLies: '/items',
  /** /reports lists HEAD in Allow, but its HEAD handler refuses HEAD. */
  headNotServed: '/reports',
  /** /users/:id answers other methods 405 without an Allow header. */
  missing405Allow: '/users/{id}'
}

/** An Express 5 app with the deliberate mistakes of EXPRESS_MISTAKES. */
export function buildExpressApi (): Server {
  const app = express()
  app.get('/items', (_req, res) => { res.json([{ id: 1 }]) })
  app.post('/items', (_req, res) => { res.status(201).json({ id: 2 }) })
  app.options('/items', (_req, res) => { res.set('Allow', 'GET, HEAD, POST, DELETE').sendStatus(204) })
  app.head('/reports', (_req, res) => { res.status(405).set('Allow', 'GET, HEAD').end() })
  app.get('/reports', (_req, res) => { res.json({ total: 3 }) })
  app.all('/reports', (_req, res) => { res.status(405).set('Allow', 'GET, HEAD').json({ error: 'Method Not Allowed' }) })
  app.get('/users/:id', (req, res) => { res.json({ id: req.params.id }) })
  app.all('/users/:id', (_req, res) => { res.status(405).end() })
  return createServer(app)
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void

function json (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, type = 'application/json'): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

/**
 * A plain node:http request handler whose method handling is correct in every respect the audit
 * checks: 405 with the exact Allow and an RFC 9457 body, OPTIONS 204 with the same Allow, HEAD
 * like GET, 501 for unknown methods, 404 for unknown paths. `document` is served at
 * `documentPath`. Routes are keyed by a RegExp source over the full path.
 */
export function correctHandler (routes: Record<string, Record<string, Handler>>, document: unknown, documentPath: string): Handler {
  const table = Object.entries(routes).map(([pattern, methods]) => ({ re: new RegExp(`^${pattern}$`), methods }))
  const standard = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'QUERY'])
  return (req, res) => {
    const method = req.method as string
    const path = (req.url as string).split('?')[0]
    if (method === 'GET' && path === documentPath) return json(res, 200, document)
    if (!standard.has(method)) {
      return json(res, 501, { type: 'about:blank', title: 'Not Implemented', status: 501 }, {}, 'application/problem+json')
    }
    const route = table.find(r => r.re.test(path))
    if (route === undefined) return json(res, 404, { message: 'not found' })
    const handlers = { ...route.methods }
    if (handlers.GET !== undefined && handlers.HEAD === undefined) handlers.HEAD = handlers.GET
    const allow = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'].filter(m => handlers[m] !== undefined || m === 'OPTIONS').join(', ')
    const handler = handlers[method]
    if (handler !== undefined) return handler(req, res)
    if (method === 'OPTIONS') {
      res.writeHead(204, { allow })
      return res.end()
    }
    json(res, 405, { type: 'about:blank', title: 'Method Not Allowed', status: 405, detail: `${method} is not allowed`, instance: path }, { allow }, 'application/problem+json')
  }
}

/** A handler answering JSON with a status, for correctHandler's route tables. */
export function reply (status: number, body: unknown = { ok: true }): Handler {
  return (_req, res) => json(res, status, body)
}

/** The mistakes of buildFaultyNodeServer, by documented path. */
export const NODE_MISTAKES = {
  /** 405 for /api/a lists DELETE, which is neither documented nor served (DELETE itself gets that 405). */
  allowLies: '/a',
  /** HEAD /api/a answers with another content-type than GET. */
  headDiffers: '/a',
  /** OPTIONS /api/a says Allow: GET, POST (POST is not served). */
  optionsLies: '/a',
  /** The 405 problem+json bodies say "status": 400. */
  problemStatus: '/a',
  /** /api/b/{id}: 405 without Allow, OPTIONS 404. */
  missingAllow: '/b/{id}',
  /** PURGE gets 404 instead of 501. */
  purge404: '/a',
  /** An unknown path gets 200 from a catch-all. */
  catchAll: true
}

/** A plain node:http server, with the document at /openapi.json (servers: /api), and the mistakes of NODE_MISTAKES. */
export function buildFaultyNodeServer (document: unknown): Server {
  return createServer((req, res) => {
    const method = req.method as string
    const path = (req.url as string).split('?')[0]
    if (path === '/openapi.json' && method === 'GET') return json(res, 200, document)
    if (path === '/api/a') {
      if (method === 'GET') return json(res, 200, { a: 1 })
      if (method === 'HEAD') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '7' })
        return res.end()
      }
      if (method === 'OPTIONS') {
        res.writeHead(200, { allow: 'GET, POST' })
        return res.end()
      }
      if (method === 'PURGE') return json(res, 404, { message: 'not found' })
      return json(res, 405, { title: 'Method Not Allowed', status: 400 }, { allow: 'GET, HEAD, DELETE' }, 'application/problem+json')
    }
    if (/^\/api\/b\/[^/]+$/.test(path)) {
      if (method === 'GET' || method === 'HEAD') return json(res, 200, { b: 1 })
      if (method === 'PUT') return json(res, 200, { updated: true })
      if (method === 'OPTIONS') return json(res, 404, { message: 'not found' })
      if (method === 'PURGE') return json(res, 501, { message: 'not implemented' })
      res.writeHead(405)
      return res.end()
    }
    json(res, 200, { page: 'index' })
  })
}

/** Starts `server` on 127.0.0.1 for the length of test `t` and returns its base URL. */
export async function serveDuring (t: { teardown: (fn: () => unknown) => void }, server: Server): Promise<string> {
  const base = await listenServer(server)
  t.teardown(() => closeServer(server))
  return base
}
