import { test } from 'tap'
import Fastify from 'fastify'
import fastifyAllowedMethods from '../lib/index'
import { audit } from '../lib/audit/index'
import type { CheckResult } from '../lib/audit/index'
import { normaliseDocument } from '../lib/openapi/document'

// issue 10, item 2: a path parameter whose schema is a $ref (`#/components/schemas/Sid`, the way
// real documents share an id format) gets a value from the schema it refers to, not `1`

function failures (results: CheckResult[]): string[] {
  return results.filter(r => r.verdict === 'fail').map(r => `${r.method} ${r.path} ${r.check}: ${r.reason}`)
}

const SID = '^AC[0-9a-fA-F]{32}$'

function document (): Record<string, unknown> {
  const ok = { responses: { 200: { description: 'ok' } } }
  return {
    openapi: '3.1.0',
    info: { title: 'accounts', version: '1' },
    components: {
      schemas: {
        Sid: { $ref: '#/components/schemas/SidString' },
        SidString: { type: 'string', pattern: SID },
        Short: { type: 'string', maxLength: 4 }
      },
      parameters: { Sid: { name: 'sid', in: 'path', required: true, schema: { $ref: '#/components/schemas/Sid' } } }
    },
    paths: {
      '/accounts/{sid}': { parameters: [{ $ref: '#/components/parameters/Sid' }], get: ok },
      '/calls/{sid}': { get: { ...ok, parameters: [{ name: 'sid', in: 'path', required: true, content: { 'text/plain': { schema: { $ref: '#/components/schemas/SidString' } }, 'text/html': {} } }] } },
      '/codes/{code}': { get: { ...ok, parameters: [{ name: 'code', in: 'path', required: true, schema: { allOf: [{ $ref: '#/components/schemas/Short' }, { pattern: '^[a-z]+$' }] } }] } }
    }
  }
}

test('a $ref\'d parameter schema (chained, in content, in allOf) gives values a regex route takes', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAllowedMethods)
  app.get(`/accounts/:sid(${SID})`, async () => 'account')
  app.get(`/calls/:sid(${SID})`, async () => 'call')
  app.get('/codes/:code(^[a-z]{1,4}$)', async () => 'code')
  await app.ready()
  const report = await audit({ app, openapi: document() })
  t.same(failures(report.results), [])
  t.match(report.results.find(r => r.path === '/accounts/{sid}')?.url, /^\/accounts\/AC[0-9a-fA-F]{32}$/)
  t.match(report.results.find(r => r.path === '/codes/{code}')?.url, /^\/codes\/[a-z]{1,4}$/)
})

test('a parameter schema that refers to another file is refused: bundle first', async (t) => {
  const doc = document() as { paths: Record<string, Record<string, unknown>> }
  doc.paths['/files/{id}'] = { get: { responses: { 200: { description: 'ok' } }, parameters: [{ name: 'id', in: 'path', required: true, schema: { $ref: 'schemas.yaml#/Id' } }] } }
  t.throws(() => normaliseDocument(doc), /has the schema of path parameter id of GET \/files\/\{id\} that refers to schemas\.yaml#\/Id: bundle external references into one file first/)
})
