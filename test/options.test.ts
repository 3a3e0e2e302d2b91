import { test } from 'tap'
import Fastify from 'fastify'
import fastifyAllowedMethods from '../lib/index'
import { resolveOptions } from '../lib/options'

const invalid: Array<[string, unknown, RegExp]> = [
  ['autoOptions', { autoOptions: 'yes' }, /option "autoOptions" must be a boolean \(true or false\), got the string "yes"/],
  ['notImplemented', { notImplemented: 1 }, /option "notImplemented" must be a boolean \(true or false\), got number 1/],
  ['useErrorHandler', { useErrorHandler: null }, /option "useErrorHandler" must be a boolean \(true or false\), got null/],
  ['openapi', { openapi: [] }, /option "openapi" must be a boolean \(true or false\), got an array/],
  ['problemType number', { problemType: 42 }, /option "problemType" must be a URI string or a function \(status\) => string, got number 42/],
  ['problemType empty', { problemType: '' }, /option "problemType" must be a non-empty URI reference/],
  ['contract not object', { contract: 'x.json' }, /option "contract" must be an object \{ document, strict\? \}, got the string "x.json"/],
  ['contract null', { contract: null }, /option "contract" must be an object/],
  ['contract.document', { contract: { document: 5 } }, /option "contract.document" must be an OpenAPI\/Swagger document object or a path/],
  ['contract.document array', { contract: { document: [] } }, /option "contract.document" must be/],
  ['contract.strict', { contract: { document: {}, strict: 'yes' } }, /option "contract.strict" must be a boolean/],
  ['unknown option', { autoOption: true }, /option "autoOption" is not an option of fastify-allowed-methods \(known: autoOptions/],
  ['not an object', 'yes', /option "\(options\)" must be an object, got the string "yes"/]
]

for (const [name, opts, message] of invalid) {
  test(`invalid option fails ready() with a coded error: ${name}`, async (t) => {
    const app = Fastify()
    t.teardown(() => app.close())
    app.register(fastifyAllowedMethods, opts as never)
    await t.rejects(async () => { await app.ready() }, { code: 'FST_ALLOWED_METHODS_INVALID_OPTION', message })
  })
}

test('a function option is described as such', async (t) => {
  t.throws(() => resolveOptions({ openapi: () => true }), { message: /got a function/ })
  t.throws(() => resolveOptions({ autoOptions: {} }), { message: /got an object/ })
})

test('defaults', async (t) => {
  const resolved = resolveOptions(undefined)
  t.equal(resolved.autoOptions, true)
  t.equal(resolved.notImplemented, true)
  t.equal(resolved.useErrorHandler, false)
  t.equal(resolved.openapi, true)
  t.equal(resolved.contract, undefined)
  t.equal(resolved.problemType(405), 'about:blank')
  t.equal(resolved.problemType(501), 'about:blank')
  t.same(resolveOptions(null).autoOptions, true)
})

test('problemType as a string or a function of the status', async (t) => {
  t.equal(resolveOptions({ problemType: 'https://example.com/probs/method' }).problemType(501), 'https://example.com/probs/method')
  const byStatus = resolveOptions({ problemType: (status: number) => `https://example.com/probs/${status}` })
  t.equal(byStatus.problemType(405), 'https://example.com/probs/405')
  t.equal(byStatus.problemType(501), 'https://example.com/probs/501')
})

test('contract options are normalised', async (t) => {
  t.same(resolveOptions({ contract: { document: 'api.yaml' } }).contract, { document: 'api.yaml', strict: false })
  t.same(resolveOptions({ contract: { document: { openapi: '3.1.0' }, strict: true } }).contract, { document: { openapi: '3.1.0' }, strict: true })
})
