import type { FastifyInstance, FastifyPluginCallback } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'
import fp from 'fastify-plugin'
import { AllowResolver } from './allow'
import { MethodTable } from './method-table'
import { resolveOptions } from './options'
import type { FastifyAllowedMethodsOptions, ResolvedOptions } from './options'
import { checkPriorRoutes } from './registration'
import type { PriorCatchAll } from './registration'
import { Responder } from './responder'

export type { FastifyAllowedMethodsOptions, ContractOptions, ProblemStatus } from './options'
export type { AllowedMethodsProblem } from './problem'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The methods the `Allow` header would carry for `url` (a concrete request path, query string
     * allowed), in Allow order; `[]` when no route serves it. `headers` supply constraint values
     * (`host`, `accept-version`, custom strategies).
     */
    allowedMethods(url: string, headers?: IncomingHttpHeaders): string[]
    /** Every route pattern seen by the plugin's onRoute hook, with its methods (hidden routes left out). */
    methodTable(): Record<string, string[]>
  }
  interface FastifyContextConfig {
    /** fastify-allowed-methods route options. */
    allow?: {
      /** Keep this route's methods out of Allow, OPTIONS answers and the OpenAPI export. @default false */
      hide?: boolean
    }
  }
}

/** The plugin type. */
export type FastifyAllowedMethods = FastifyPluginCallback<FastifyAllowedMethodsOptions>

const allowedMethodsPlugin: FastifyPluginCallback<FastifyAllowedMethodsOptions> = (fastify, opts, done) => {
  let options: ResolvedOptions
  let prior: PriorCatchAll[]
  try {
    options = resolveOptions(opts)
    prior = checkPriorRoutes(fastify)
  } catch (err) {
    done(err as Error)
    return
  }
  const table = new MethodTable()
  const resolver = new AllowResolver(fastify, table, options.autoOptions)
  const responder = new Responder(options, resolver, () => fastify.supportedMethods)

  function noteCatchAllOptions (url: string): void {
    responder.optionsCatchAll ??= new Set()
    responder.optionsCatchAll.add(url)
  }

  for (const route of prior) {
    const seen = table.add({ method: route.method, url: route.url, schema: { hide: true }, handler: noop } as never)
    resolver.addHidden(seen)
    if (route.method === 'OPTIONS') noteCatchAllOptions(route.url)
  }

  fastify.addHook('onRoute', (route) => {
    const seen = table.add(route)
    if (seen.hidden) resolver.addHidden(seen)
    if (seen.catchAll && seen.methods.includes('OPTIONS')) noteCatchAllOptions(seen.url)
  })
  fastify.addHook('onRequest', responder.onRequest)
  fastify.addHook('onReady', function prepare (hookDone) {
    resolver.prepare()
    responder.prepare()
    hookDone()
  })

  fastify.decorate('allowedMethods', function allowedMethods (this: FastifyInstance, url: string, headers: IncomingHttpHeaders = {}): string[] {
    return resolver.allowed(url, resolver.derive(headers)) ?? []
  })
  fastify.decorate('methodTable', function methodTable (): Record<string, string[]> {
    return table.toObject()
  })
  done()
}

function noop (): void {}

/** fastify-allowed-methods: 405 + Allow, automatic OPTIONS, 501, problem+json, OpenAPI export. */
const fastifyAllowedMethods = fp(allowedMethodsPlugin, {
  fastify: '5.x',
  name: 'fastify-allowed-methods'
})

export default fastifyAllowedMethods
export { fastifyAllowedMethods }

// CommonJS: require('fastify-allowed-methods') returns the plugin itself, with .default and
// .fastifyAllowedMethods naming the same function (the fastify plugin convention).
module.exports = fastifyAllowedMethods
module.exports.default = fastifyAllowedMethods
module.exports.fastifyAllowedMethods = fastifyAllowedMethods
