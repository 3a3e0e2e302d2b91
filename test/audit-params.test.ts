import { test } from 'tap'
import { fillPath, parameterValue, plausibleValue } from '../lib/audit/params'
import type { ApiPath } from '../lib/openapi/document'

test('values the document gives win, in order: example, examples, x-example, schema example(s), default, const, enum', async (t) => {
  t.equal(parameterValue([{ example: 7, schema: { default: 1 } }]), '7')
  t.equal(parameterValue([{ examples: { first: { value: 'abc' }, second: { value: 'x' } } }]), 'abc')
  t.equal(parameterValue([{ examples: { first: { summary: 'no value' } }, schema: { default: 'd' } }]), 'd')
  t.equal(parameterValue([{ 'x-example': 9 }]), '9')
  t.equal(parameterValue([{ schema: { example: 'se' } }]), 'se')
  t.equal(parameterValue([{ schema: { examples: ['first', 'second'] } }]), 'first')
  t.equal(parameterValue([{ schema: { examples: [], default: 5 } }]), '5')
  t.equal(parameterValue([{ default: 3, type: 'integer' }]), '3') // Swagger 2.0
  t.equal(parameterValue([{ schema: { const: 'only' } }]), 'only')
  t.equal(parameterValue([{ schema: { enum: ['daily', 'weekly'] } }]), 'daily')
  t.equal(parameterValue([{ schema: { enum: [] } }]), '1')
  t.equal(parameterValue([{ schema: { example: { a: 1 } } }]), '{"a":1}')
  t.equal(parameterValue([{ content: { 'application/json': { schema: { example: 'c' } } } }]), 'c')
  t.equal(parameterValue([{ content: { 'application/json': {} } }]), '1')
  // a later definition (another operation's) with a value beats a plausible guess from the first
  t.equal(parameterValue([{ schema: { type: 'string' } }, { example: 'later' }]), 'later')
  t.equal(parameterValue(undefined), '1')
  t.equal(parameterValue([]), '1')
})

test('plausible values by type', async (t) => {
  t.equal(plausibleValue({ type: 'integer' }), '1')
  t.equal(plausibleValue({ type: 'integer', minimum: 10 }), '10')
  t.equal(plausibleValue({ type: 'number', minimum: 2.5 }), '3')
  t.equal(plausibleValue({ type: 'integer', exclusiveMinimum: 1 }), '2')
  t.equal(plausibleValue({ type: 'integer', exclusiveMinimum: 0 }), '1')
  t.equal(plausibleValue({ type: 'integer', maximum: 0 }), '0')
  t.equal(plausibleValue({ type: 'integer', minimum: 0, maximum: 5 }), '1')
  t.equal(plausibleValue({ type: 'boolean' }), 'true')
  t.equal(plausibleValue({ type: 'string' }), '1')
  t.equal(plausibleValue({ type: 'string', format: 'uuid' }), '00000000-0000-4000-8000-000000000000')
  t.equal(plausibleValue({ type: 'string', format: 'date' }), '2024-01-01')
  t.equal(plausibleValue({ type: 'string', format: 'unknown-format' }), '1')
  t.equal(plausibleValue({ type: 'string', minLength: 3 }), 'example')
  t.equal(plausibleValue({ type: 'string', pattern: '^[a-z]+$' }), 'example')
  t.equal(plausibleValue({ type: 'string', pattern: '^[a-z]$' }), 'a')
  t.match(plausibleValue({ type: 'string', pattern: '^[A-Z]{2}\\d$', minLength: 3 }), /^[A-Z]{2}\d$/) // generated from the pattern (issue 10, item 2)
  t.equal(plausibleValue({ type: 'string', pattern: '(?<!unsupported' }), '1') // a pattern JS cannot compile does not decide
  t.equal(plausibleValue({ type: 'string', minLength: 12, maxLength: 20 }), '111111111111')
  t.equal(plausibleValue({ type: ['null', 'integer'], minimum: 4 }), '4')
  t.equal(plausibleValue({ type: 'array', items: { type: 'integer', minimum: 2 } }), '2')
  t.equal(plausibleValue({ type: 'array' }), '1')
  t.equal(plausibleValue({ oneOf: [{ type: 'boolean' }, { type: 'string' }] }), 'true')
  t.equal(plausibleValue({ anyOf: ['junk'] }), '1')
  t.equal(plausibleValue({ allOf: [], type: 'boolean' }), 'true')
  t.equal(plausibleValue({ type: 'object' }), '1')
  t.equal(plausibleValue({}), '1')
})

test('fillPath fills and %-encodes every parameter, leaving the rest as written', async (t) => {
  const path: ApiPath = {
    path: '/users/{id}/files/{name}.{ext}/{*}/{undocumented}',
    methods: ['GET'],
    operations: new Map(),
    parameters: new Map([
      ['id', [{ schema: { type: 'integer' } }]],
      ['name', [{ example: 'a b/c' }]],
      ['ext', [{ schema: { enum: ['json'] } }]],
      ['*', [{ schema: { type: 'string' } }]]
    ])
  }
  t.equal(fillPath(path), '/users/1/files/a%20b%2Fc.json/1/1')
})
