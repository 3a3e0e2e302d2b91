import { test } from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { redoclyLint, startDemo } from './helpers/demo'
import { buildApp, documentedAllow, isOurs, liveOptions, schemaErrors, send, urlOf } from './helpers/openapi'
import type { Json } from './helpers/openapi'

/** JSON pointers into what the plugin adds: its operations, its response references, its components. */
const OURS = [
  /^#\/paths\/[^/]+\/options(\/|$)/,
  /\/responses\/(405|501)(\/|$)/,
  /^#\/components\/(schemas\/AllowedMethodsProblem|headers\/Allow|responses\/(MethodNotAllowed|NotImplemented))(\/|$)/
]

function lint (doc: Json): ReturnType<typeof redoclyLint> {
  const file = join(mkdtempSync(join(tmpdir(), 'fam-lint-')), 'openapi.json')
  writeFileSync(file, JSON.stringify(doc))
  return redoclyLint(file)
}

function oursIn (report: ReturnType<typeof redoclyLint>): string[] {
  return report.problems
    .filter(p => p.location.some(l => OURS.some(re => re.test(l.pointer))))
    .map(p => `${p.severity} ${p.ruleId} at ${p.location[0].pointer}: ${p.message}`)
}

for (const version of ['3.0.3', '3.1.0']) {
  test(`the demo's OpenAPI ${version} document: valid, no redocly errors, no warning about what the plugin adds`, async (t) => {
    const base = await startDemo(t, { OPENAPI_VERSION: version })
    const res = await send(base, 'GET', '/documentation/json')
    t.equal(res.status, 200)
    const doc = JSON.parse(res.body) as Json
    t.equal(doc.openapi, version)
    t.same(await schemaErrors(doc), [], 'valid against the official schema')
    const report = lint(doc)
    t.equal(report.totals.errors, 0, 'redocly lint: no errors')
    t.same(oursIn(report), [], 'redocly lint: nothing about the plugin\'s additions')
    t.comment(`redocly lint: ${report.totals.warnings} warning(s) about the demo's own routes: ${[...new Set(report.problems.map(p => p.ruleId))].join(', ') || 'none'}`)

    let checked = 0
    for (const [key, item] of Object.entries<Json>(doc.paths)) {
      if (!isOurs(item.options)) continue
      const live = await liveOptions(base, urlOf(key))
      t.equal(documentedAllow(item.options), live.allow, `${key}: documented Allow = live Allow`)
      checked++
    }
    t.ok(checked > 0, 'the demo documents OPTIONS operations')
  })
}

async function ok (): Promise<string> {
  return 'ok'
}

/** Routes of the kinds a linter could fault in what the plugin adds (no wildcards: swagger's `{*}` is not a valid path template). */
async function routes (app: FastifyInstance): Promise<void> {
  const params = { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] }
  app.get('/users', { schema: { summary: 'List', operationId: 'listUsers', tags: ['users'], response: { 200: { type: 'array', items: { type: 'string' } }, 400: { type: 'string' } } } }, ok)
  app.get('/users/:id', { schema: { summary: 'Read', operationId: 'readUser', tags: ['users'], params, response: { 200: { type: 'string' }, 404: { type: 'string' } } } }, ok)
  app.options('/own', { schema: { summary: 'Own OPTIONS', operationId: 'ownOptions', response: { 204: { type: 'null', description: 'none' }, 400: { type: 'string' } } } }, ok)
  app.get('/own', { schema: { summary: 'Own', operationId: 'own', response: { 200: { type: 'string' }, 400: { type: 'string' } } } }, ok)
  await app.register(async (api) => {
    api.get('/things/:id', { schema: { summary: 'Thing', operationId: 'readThing', params, response: { 200: { type: 'string' }, 404: { type: 'string' } } } }, ok)
  }, { prefix: '/api' })
}

for (const version of ['3.0.3', '3.1.0']) {
  test(`OpenAPI ${version} of a lint-clean app stays lint-clean with the plugin's additions`, async (t) => {
    const app = await buildApp({
      swagger: {
        openapi: {
          openapi: version,
          info: { title: 'lint', version: '1.0.0', description: 'lint', license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' } },
          servers: [{ url: 'https://api.example.org' }],
          tags: [{ name: 'users', description: 'Users' }],
          security: []
        }
      },
      routes
    })
    t.teardown(() => app.close())
    const doc = app.swagger() as Json
    t.ok(isOurs(doc.paths['/users/{id}'].options))
    const report = lint(doc)
    t.same(report.problems.map(p => `${p.ruleId} at ${p.location[0].pointer}`), [], 'redocly lint: no problem at all')
  })
}
