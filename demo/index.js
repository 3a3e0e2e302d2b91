'use strict'

// The example API of the README: `npm run demo` prints what each kind of request gets, then keeps
// serving until Ctrl-C (`npm run demo -- --once` exits after the table). Docs at /documentation.

const Fastify = require('fastify')
const http = require('node:http')
const fastifyCors = require('@fastify/cors')
const fastifyAllowedMethods = require('..')
const { allowedMethodsCors } = fastifyAllowedMethods
const { registerDocs } = require('./docs')

// `cors: true`: the same API with CORS for a page on https://app.example, each preflight told the
// methods of its resource (the served demo has no cors: its hidden OPTIONS catch-all would take
// the OPTIONS operations out of the OpenAPI document)
async function buildApp ({ cors = false } = {}) {
  const app = Fastify({ logger: false })
  await app.register(fastifyAllowedMethods)
  await registerDocs(app)
  if (cors) await app.register(fastifyCors, allowedMethodsCors({ origin: ['https://app.example'] }))

  const item = {
    type: 'object',
    properties: { id: { type: 'integer', examples: [1] }, name: { type: 'string', examples: ['teapot'] } }
  }
  const id = { type: 'object', properties: { id: { type: 'integer', examples: [1] } }, required: ['id'] }
  app.get('/items', { schema: { summary: 'List items', response: { 200: { type: 'array', items: item } } } }, async () => [{ id: 1, name: 'teapot' }])
  app.post('/items', { schema: { summary: 'Create an item', body: item, response: { 201: item } } }, async (request, reply) => reply.code(201).send(request.body))
  app.get('/items/:id', { schema: { summary: 'Read an item', params: id, response: { 200: item } } }, async (request) => ({ id: request.params.id, name: 'teapot' }))
  app.put('/items/:id', { schema: { summary: 'Replace an item', params: id, body: item, response: { 200: item } } }, async (request) => request.body)
  // a JSON Merge Patch (RFC 7396): OPTIONS /items/1 tells it in Accept-Patch
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, (request, body, done) => {
    try {
      done(null, JSON.parse(body))
    } catch (err) {
      err.statusCode = 400
      done(err)
    }
  })
  app.patch('/items/:id', { schema: { summary: 'Update an item', params: id, body: { content: { 'application/merge-patch+json': { schema: item } } }, response: { 200: item } } }, async (request) => ({ id: request.params.id, name: 'teapot', ...request.body }))
  app.delete('/items/:id', { schema: { summary: 'Delete an item', params: id }, config: { allow: { hide: true } } }, async (request, reply) => reply.code(204).send())
  app.get('/health', { schema: { summary: 'Liveness' } }, async () => ({ ok: true }))
  return app
}

const requests = [
  ['GET', '/items', 'a route that exists'],
  ['DELETE', '/items', 'wrong method on a known URL: 405 + Allow'],
  ['POST', '/items/1?dry=1', 'DELETE /items/:id is hidden: not in Allow'],
  ['OPTIONS', '/items/1', 'automatic OPTIONS: 204 + Allow, Accept-Patch (the PATCH route\'s schema), Link to the OpenAPI document'],
  ['HEAD', '/health', 'HEAD from GET'],
  ['POST', '/health', 'a bad JSON body is never read on the way to 405', { 'content-type': 'application/json' }, '{"oops'],
  ['PURGE', '/items', 'a method no route implements: 501'],
  ['GET', '/nothing/here', 'unknown URL: the app\'s 404'],
  ['OPTIONS', '*', 'the whole server\'s methods'],
  ['OPTIONS', '/items', 'CORS preflight (allowedMethodsCors): no DELETE here, the browser stops', preflightHeaders('DELETE')],
  ['OPTIONS', '/items/1', 'CORS preflight (allowedMethodsCors): PUT is, it is sent', preflightHeaders('PUT')]
]

function preflightHeaders (method) {
  return { origin: 'https://app.example', 'access-control-request-method': method }
}

function send (port, method, path, headers = {}, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c) => { text += c })
      res.on('end', () => resolve({ status: res.statusCode, allow: res.headers.allow, acceptPatch: res.headers['accept-patch'], link: res.headers.link, corsMethods: res.headers['access-control-allow-methods'], body: text }))
    })
    req.on('error', reject)
    if (body !== undefined) req.write(body)
    req.end()
  })
}

async function main () {
  const once = process.argv.includes('--once')
  const app = await buildApp()
  const port = Number(process.env.PORT ?? (once ? 0 : 3000))
  await app.listen({ port, host: '127.0.0.1' })
  const actual = app.server.address().port
  const corsApp = await buildApp({ cors: true })
  await corsApp.listen({ port: 0, host: '127.0.0.1' })
  const rows = [['request', 'status', 'Allow', 'body', 'why']]
  for (const [method, path, why, headers, body] of requests) {
    const preflight = headers?.['access-control-request-method']
    const res = await send(preflight === undefined ? actual : corsApp.server.address().port, method, path, headers, body)
    const shown = res.body.length > 160 ? res.body.slice(0, 157) + '...' : res.body
    const request = preflight === undefined ? `${method} ${path}` : `${method} ${path} (preflight for ${preflight})`
    const cors = res.corsMethods === undefined ? '' : `access-control-allow-methods: ${res.corsMethods}`
    // the other headers of an automatic OPTIONS answer (Accept-Patch, Link to the OpenAPI document)
    const accept = [res.acceptPatch && `accept-patch: ${res.acceptPatch}`, res.link && `link: ${res.link}`].filter(Boolean).join('; ')
    rows.push([request, String(res.status), res.allow ?? '', shown || cors || accept || '(empty)', why])
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => r[i].length)))
  const line = (r) => '| ' + r.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |'
  console.log(line(rows[0]))
  console.log('|' + widths.map(w => '-'.repeat(w + 2)).join('|') + '|')
  for (const r of rows.slice(1)) console.log(line(r))
  await corsApp.close()
  if (once) {
    await app.close()
    return
  }
  console.log(`\nListening on http://127.0.0.1:${actual} (docs: /documentation). Try: curl -i -X DELETE http://127.0.0.1:${actual}/items`)
  console.log('Ctrl-C to stop.')
  const stop = () => { app.close().then(() => process.exit(0)) }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

// `require('./demo')` gives the app without starting it (the tests audit it in-process)
if (require.main === module) {
  main().catch((err) => {
    console.error(err)
    process.exit(1)
  })
}

module.exports = { buildApp }
