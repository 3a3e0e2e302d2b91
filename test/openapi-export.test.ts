import { test } from 'tap'
import type { Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { FORMS, buildApp, documentedAllow, isOurs, listen, liveOptions, schemaErrors, send, urlOf } from './helpers/openapi'
import type { Json } from './helpers/openapi'

const OPERATIONS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

async function ok (): Promise<string> {
  return 'ok'
}

/** Every kind of route the export must get right. */
async function routes (app: FastifyInstance): Promise<void> {
  app.get('/users', { schema: { tags: ['users'], summary: 'List users' } }, ok)
  app.post('/users', { schema: { tags: ['users'], summary: 'Create a user' } }, ok)
  app.get('/users/:id', {
    schema: { tags: ['users'], params: { type: 'object', properties: { id: { type: 'integer', description: 'The user id' } } } }
  }, ok)
  app.delete('/users/:id', { schema: { tags: ['users'] } }, ok)
  app.get('/users/new', ok) // a static route beside a parametric one: DELETE /users/:id serves it too
  app.get('/files/*', ok)
  app.get('/re/:code(^[a-z]{3}$)', ok) // the document loses the regexp: `1` does not route here
  app.get('/opt/:id?', ok)
  app.get('/near/:lat-:lng', ok)
  app.route({ method: ['GET', 'POST'], url: '/multi', handler: ok })
  app.patch('/only-patch', ok)
  app.get('/no-head', { exposeHeadRoute: false }, ok)
  app.get('/hidden', { schema: { hide: true } }, ok)
  app.get('/tagged-hidden', { schema: { tags: ['X-HIDDEN'] } }, ok)
  app.get('/secret', { config: { allow: { hide: true } } }, ok)
  app.get('/mixed', ok)
  app.put('/mixed', { config: { allow: { hide: true } } }, ok)
  app.get('/own', ok)
  app.options('/own', async (_req, reply) => reply.code(200).header('allow', 'GET, OPTIONS, X-OWN').send('own'))
  await app.register(async (child) => {
    child.get('/', ok)
    child.get('/items/:id', ok)
    child.post('/items', ok)
  }, { prefix: '/api' })
}

/** Documents of the same routes with and without the plugin, and the running app's base URL. */
async function setup (t: Test, form: typeof FORMS[number], order: 'plugin first' | 'swagger first'): Promise<{ doc: Json, plain: Json, base: string, app: FastifyInstance }> {
  const app = await buildApp({ order, swagger: form.options, routes })
  t.teardown(() => app.close())
  const reference = await buildApp({ swagger: form.options, routes, withoutPlugin: true })
  t.teardown(() => reference.close())
  const base = await listen(app)
  return { doc: app.swagger() as Json, plain: reference.swagger() as Json, base, app }
}

for (const form of FORMS) {
  for (const order of ['plugin first', 'swagger first'] as const) {
    test(`${form.name}, ${order}: valid, and every documented Allow is the live OPTIONS answer`, async (t) => {
      const { doc, plain, base } = await setup(t, form, order)
      t.same(await schemaErrors(doc), [], 'the document validates against the official schema')
      t.same(Object.keys(doc.paths), Object.keys(plain.paths).filter(key => key !== '/secret'), 'no path added; only /secret, served only by a hidden route, removed')

      const ours: string[] = []
      for (const [key, item] of Object.entries<Json>(doc.paths)) {
        const url = urlOf(key)
        const live = await liveOptions(base, url)
        if (isOurs(item.options)) {
          ours.push(key)
          t.equal(live.status, 204, `OPTIONS ${url} is answered by the plugin`)
          t.equal(documentedAllow(item.options), live.allow, `${key}: documented Allow = live Allow`)
        } else if (item.options !== undefined) {
          t.same(item.options, plain.paths[key].options, `${key}: the user's OPTIONS operation is untouched`)
          t.equal(live.status, 200, `OPTIONS ${url} is the user's route`)
        } else {
          t.equal(live.status, 404, `${key}: no options operation, and OPTIONS ${url} is not answered by the plugin`)
        }
      }
      t.same(ours, ['/users', '/users/{id}', '/users/new', '/files/{*}', '/re/{code}', '/opt/{id}?', '/near/{lat}-{lng}', '/multi',
        '/only-patch', '/no-head', '/mixed', '/api/', '/api/items/{id}', '/api/items'], 'every path the plugin answers has its options operation')
    })

    test(`${form.name}, ${order}: user operations keep everything, gaining only 405/501 references`, async (t) => {
      const { doc, plain } = await setup(t, form, order)
      const responses = form.name === 'Swagger 2.0' ? '#/responses/' : '#/components/responses/'
      for (const [key, item] of Object.entries<Json>(plain.paths)) {
        if (key === '/secret') {
          t.equal(doc.paths[key], undefined, '/secret is served only by a hidden route: left out')
          continue
        }
        for (const field of OPERATIONS) {
          const before = item[field]
          if (before === undefined || field === 'options') continue
          const after = doc.paths[key][field]
          if (key === '/mixed' && field === 'put') {
            t.equal(after, undefined, 'the hidden PUT /mixed is left out')
            continue
          }
          const { responses: added, ...rest } = after
          const { responses: original, ...restBefore } = before
          t.same(rest, restBefore, `${field} ${key}: unchanged apart from responses`)
          const extra = Object.keys(added).filter(code => !(code in original))
          t.same(extra, ['405', '501'], `${field} ${key}: 405 and 501 added`)
          t.same(added['405'], { $ref: `${responses}MethodNotAllowed` })
          t.same(added['501'], { $ref: `${responses}NotImplemented` })
        }
      }
    })
  }
}

test('what a path documents matches the server in detail', async (t) => {
  const { doc, base } = await setup(t, FORMS[0], 'plugin first')
  const allow = (key: string): string => documentedAllow(doc.paths[key].options)
  t.equal(allow('/users/{id}'), 'GET, HEAD, DELETE, OPTIONS', 'HEAD listed though swagger shows no HEAD operation')
  t.equal(doc.paths['/users/{id}'].head, undefined)
  t.equal(allow('/users/new'), 'GET, HEAD, DELETE, OPTIONS', 'the parametric DELETE also serves /users/new')
  t.equal(allow('/re/{code}'), 'GET, HEAD, OPTIONS', 'a value that fits the regexp was found')
  t.equal(allow('/no-head'), 'GET, OPTIONS', 'exposeHeadRoute: false means no HEAD')
  t.equal(allow('/only-patch'), 'OPTIONS, PATCH')
  t.equal(allow('/mixed'), 'GET, HEAD, OPTIONS', 'the hidden PUT stays out of Allow')
  t.equal(allow('/api/'), 'GET, HEAD, OPTIONS', 'the prefix root, as swagger writes it')
  t.equal(doc.paths['/secret'], undefined, 'a path served only by hidden routes is left out')
  t.equal(doc.paths['/mixed'].put, undefined, 'the hidden PUT is left out, the path stays')
  t.equal(doc.paths['/hidden'], undefined)
  t.equal(doc.paths['/tagged-hidden'], undefined)

  const op = doc.paths['/users/{id}'].options
  t.equal(op.operationId, 'optionsUsersId')
  t.same(op.tags, ['users'], 'grouped with the path\'s other operations')
  t.same(op.parameters, doc.paths['/users/{id}'].get.parameters, 'the path parameter as the GET declares it')
  t.same(doc.paths['/near/{lat}-{lng}'].options.parameters.map((p: Json) => p.name), ['lat', 'lng'])
  t.match(op.summary, 'GET, HEAD, DELETE, OPTIONS')

  // the 405 the document promises is the one the server sends
  const res = await send(base, 'PUT', '/users/7')
  t.equal(res.status, 405)
  t.equal(res.headers['content-type'], 'application/problem+json')
  const body = JSON.parse(res.body)
  const schema = doc.components.schemas.AllowedMethodsProblem
  t.same(Object.keys(body).sort(), Object.keys(schema.properties).sort(), 'the body has exactly the documented members')
  for (const member of schema.required) t.ok(member in body, `${member} is present`)
  t.same(body.allow, allow('/users/{id}').split(', '))
  t.same(doc.components.headers.Allow.schema, { type: 'string' })
})

test('exposeHeadRoutes: HEAD operations get the references, Allow is the same', async (t) => {
  const app = await buildApp({
    swagger: { ...FORMS[0].options, exposeHeadRoutes: true },
    routes: (a) => { a.get('/things/:id', ok) }
  })
  t.teardown(() => app.close())
  const doc = app.swagger() as Json
  const item = doc.paths['/things/{id}']
  t.ok(item.head, 'swagger shows HEAD')
  t.same(item.head.responses['405'], { $ref: '#/components/responses/MethodNotAllowed' })
  t.equal(documentedAllow(item.options), 'GET, HEAD, OPTIONS')
})

test('a path that serves every method documents no 405', async (t) => {
  const app = await buildApp({ routes: (a) => { a.all('/any', ok); a.get('/one', ok) } })
  t.teardown(() => app.close())
  const doc = app.swagger() as Json
  t.equal(doc.paths['/any'].get.responses['405'], undefined)
  t.same(doc.paths['/any'].get.responses['501'], { $ref: '#/components/responses/NotImplemented' })
  t.same(doc.paths['/one'].get.responses['405'], { $ref: '#/components/responses/MethodNotAllowed' })
})
