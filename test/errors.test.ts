import { test } from 'tap'
import * as errors from '../lib/errors'

// every error a user can cause has a code, a status and a message saying what to do
const expected: Record<string, { status: number, args: string[], message: RegExp }> = {
  FST_ALLOWED_METHODS_INVALID_OPTION: { status: 500, args: ['autoOptions', 'must be a boolean', 'number 1'], message: /^fastify-allowed-methods: option "autoOptions" must be a boolean, got number 1$/ },
  FST_ALLOWED_METHODS_INVALID_ROUTE_CONFIG: { status: 500, args: ['GET', '/a', 'config.allow.hide must be a boolean or a function (request) => boolean'], message: /^fastify-allowed-methods: route GET \/a: config\.allow\.hide must be a boolean or a function \(request\) => boolean, e\.g\. `\{ config: \{ allow: \{ hide: true \} \} \}`/ },
  FST_ALLOWED_METHODS_NOT_ROOT: { status: 500, args: [], message: /registered on the root instance.*Move `await fastify.register\(fastifyAllowedMethods\)` next to Fastify\(\)/ },
  FST_ALLOWED_METHODS_UNKNOWN_STRATEGY: { status: 500, args: ['tenant'], message: /constraint "tenant".*Register the plugin first/ },
  FST_ALLOWED_METHODS_METHOD_NOT_ALLOWED: { status: 405, args: ['PUT', '/items'], message: /^Method PUT is not allowed for \/items$/ },
  FST_ALLOWED_METHODS_NOT_IMPLEMENTED: { status: 501, args: ['PURGE'], message: /^Method PURGE is not implemented by this server$/ },
  FST_ALLOWED_METHODS_CONTRACT_MISMATCH: { status: 500, args: ['GET /a: documented, no route serves it'], message: /do not match the OpenAPI contract:\nGET \/a/ },
  FST_ALLOWED_METHODS_CONTRACT_INVALID: { status: 500, args: ['api.yaml cannot be read'], message: /the contract document api.yaml cannot be read/ },
  FST_ALLOWED_METHODS_CORS_WITHOUT_PLUGIN: { status: 500, args: [], message: /^allowedMethodsCors\(\) needs fastify-allowed-methods: register it on the root instance/ }
}

test('every error code is exported, coded and tested', async (t) => {
  const exported = Object.keys(errors).filter(name => name.startsWith('FST_')).sort()
  t.same(exported, Object.keys(expected).sort(), 'no error code without a test')
  for (const [code, { status, args, message }] of Object.entries(expected)) {
    const Ctor = (errors as unknown as Record<string, new (...a: string[]) => Error & { code: string, statusCode: number }>)[code]
    const err = new Ctor(...args)
    t.equal(err.code, code)
    t.equal(err.statusCode, status, `${code} status`)
    t.match(err.message, message, `${code} message`)
    t.ok(err instanceof Error)
  }
  t.ok(new errors.FST_ALLOWED_METHODS_INVALID_OPTION('a', 'b', 'c') instanceof TypeError, 'bad options are TypeErrors')
})
