import type { FastifyInstance, FastifyPluginCallback } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'
import { AllowResolver } from './allow'
import { checkContract } from './contract'
import { MethodTable } from './method-table'
import { installOpenApi } from './openapi/install'
import { resolveOptions } from './options'
import type { FastifyAllowedMethodsOptions, ResolvedOptions } from './options'
import { FST_ALLOWED_METHODS_NOT_ROOT } from './errors'
import { installOnRequest, isRoot, withOnRequest } from './not-found-hook'
import { checkPriorRoutes } from './registration'
import type { PriorCatchAll } from './registration'
import { Responder } from './responder'

/** The plugin body; lib/index.ts wraps it with fastify-plugin and exports it. */
export const allowedMethodsPlugin: FastifyPluginCallback<FastifyAllowedMethodsOptions> = (fastify, opts, done) => {
  let options: ResolvedOptions
  let prior: PriorCatchAll[]
  try {
    if (!isRoot(fastify)) throw new FST_ALLOWED_METHODS_NOT_ROOT()
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
    const seen = table.add({ method: route.method, url: route.url, schema: { hide: true } } as never)
    resolver.addHidden(seen)
    if (route.method === 'OPTIONS') noteCatchAllOptions(route.url)
  }

  // fastify cannot list its constraint strategies: note those added from now on, to derive them
  const addConstraintStrategy = fastify.addConstraintStrategy
  fastify.addConstraintStrategy = function (this: FastifyInstance, strategy) {
    addConstraintStrategy.call(this, strategy)
    resolver.addStrategy(strategy as unknown as Parameters<AllowResolver['addStrategy']>[0])
  }

  const scope = installOnRequest(fastify, responder.onNotFoundRequest, responder.onRequest, prior.some(route => route.method === 'OPTIONS'))

  fastify.addHook('onRoute', (route) => {
    const seen = table.add(route)
    resolver.checkStrategies(seen)
    if (seen.hidden) resolver.addHidden(seen)
    if (seen.catchAll && seen.methods.includes('OPTIONS')) {
      noteCatchAllOptions(seen.url)
      // a plain OPTIONS routed there is this plugin's to answer (the root hook sees it otherwise)
      if (scope === 'notFound') route.onRequest = withOnRequest(route, responder.onCatchAllRequest).onRequest as typeof route.onRequest
    }
  })
  fastify.addHook('onReady', function prepare (hookDone) {
    resolver.prepare()
    responder.prepare()
    hookDone(checkContract(fastify, table, options))
  })

  if (options.openapi) installOpenApi({ fastify, table, resolver, options })

  fastify.decorate('allowedMethods', function allowedMethods (this: FastifyInstance, url: string, headers: IncomingHttpHeaders = {}): string[] {
    return resolver.allowed(url, resolver.derive(headers)) ?? []
  })
  fastify.decorate('methodTable', function methodTable (): Record<string, string[]> {
    return table.toObject()
  })
  done()
}
