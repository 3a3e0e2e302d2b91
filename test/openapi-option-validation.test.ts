import { test } from 'tap'
import Fastify from 'fastify'
import fastifyAllowedMethods from '../lib/index'
import { resolveOptions } from '../lib/options'

const invalid: Array<[string, unknown, RegExp]> = [
  ['openapiDecorator number', { openapiDecorator: 5 }, /option "openapiDecorator" must be the name of the @fastify\/swagger decorator \(a non-empty string\) or an array of names, got number 5/],
  ['openapiDecorator empty', { openapiDecorator: '' }, /option "openapiDecorator" must be the name .*, got the string ""/],
  ['openapiDecorator empty array', { openapiDecorator: [] }, /option "openapiDecorator" must be .*, got an array/],
  ['openapiDecorator array with a number', { openapiDecorator: ['docs', 1] }, /option "openapiDecorator" must be .*, got an array/],
  ['openapiStrict', { openapiStrict: 'yes' }, /option "openapiStrict" must be a boolean \(true or false\), got the string "yes"/]
]

test('invalid OpenAPI options are refused with a coded error naming the option', async (t) => {
  for (const [name, opts, message] of invalid) {
    t.throws(() => resolveOptions(opts), { code: 'FST_ALLOWED_METHODS_INVALID_OPTION', message }, name)
  }
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(fastifyAllowedMethods, { openapiStrict: 1 } as never)
  await t.rejects(async () => { await app.ready() }, { code: 'FST_ALLOWED_METHODS_INVALID_OPTION', message: /openapiStrict/ }, 'through ready()')
})

test('OpenAPI option defaults and forms', async (t) => {
  const defaults = resolveOptions({})
  t.same(defaults.openapiDecorators, ['swagger'])
  t.equal(defaults.openapiStrict, false)
  t.same(resolveOptions({ openapiDecorator: 'docs' }).openapiDecorators, ['docs'])
  const both = resolveOptions({ openapiDecorator: ['a', 'b'], openapiStrict: true })
  t.same([both.openapiDecorators, both.openapiStrict], [['a', 'b'], true])
})
