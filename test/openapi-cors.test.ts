import { test } from 'tap'
import Fastify from 'fastify'
import cors from '@fastify/cors'
import swagger from '@fastify/swagger'
import fastifyAllowedMethods from '../lib/index'
import { FORMS, listen, liveOptions, send } from './helpers/openapi'
import type { Json } from './helpers/openapi'

async function ok (): Promise<string> {
  return 'ok'
}

for (const order of ['cors first', 'cors last'] as const) {
  test(`@fastify/cors (${order}): the document promises OPTIONS only where the plugin answers it`, async (t) => {
    const app = Fastify()
    t.teardown(() => app.close())
    if (order === 'cors first') await app.register(cors)
    await app.register(fastifyAllowedMethods)
    await app.register(swagger, FORMS[0].options)
    if (order === 'cors last') await app.register(cors)
    app.get('/users/:id', ok)
    app.get('/w/:id/rest', ok)
    app.options('/w/:id/*', ok) // the user's own wildcard OPTIONS route
    app.get('/files/x', ok)
    app.options('/files/*', ok)
    await app.ready()
    const doc = app.swagger() as Json
    const base = await listen(app)

    const live = await liveOptions(base, '/users/7')
    t.equal(live.status, 400, 'cors\' onRequest hook runs first and refuses a plain OPTIONS, in either order')
    t.equal(doc.paths['/users/{id}'].options, undefined, 'so the document promises no 204')
    t.same(doc.paths['/users/{id}'].get.responses['405'], { $ref: '#/components/responses/MethodNotAllowed' }, 'other methods still get 405')
    const preflight = await send(base, 'OPTIONS', '/users/7', { headers: { origin: 'http://example.com', 'access-control-request-method': 'GET' } })
    t.equal(preflight.status, 204, 'a CORS preflight is still cors\' business')
    t.ok(preflight.headers['access-control-allow-origin'])

    t.equal(doc.paths['/w/{id}/rest'].options, undefined, 'OPTIONS there goes to the user\'s /w/:id/* route: no operation of ours')
    t.equal(doc.paths['/files/x'].options, undefined, 'OPTIONS there goes to the user\'s /files/* route')
    // (a plain OPTIONS there gets cors' 400 in either order: cors' hook runs before any route)
  })
}
