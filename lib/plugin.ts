import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'
import { AllowResolver } from './allow'
import { parsersOf } from './media-types'
import { MethodTable } from './method-table'
import { resolveOptions } from './options'
import type { FastifyAllowedMethodsOptions, ResolvedOptions } from './options'
import { FST_ALLOWED_METHODS_NOT_ROOT } from './errors'
import { appendLate, attachHooks, installHooks, isRoot, withEarly } from './not-found-hook'
import type { NotFoundHooks } from './not-found-hook'
import { priorRoutesWarning, readPriorRoutes } from './prior-routes'
import type { PriorRoute } from './prior-routes'
import { OptionsExtras } from './options-extras'
import { Responder } from './responder'

/**
 * The OpenAPI side (lib/openapi/: the export, the contract check, the reader and YAML) is loaded
 * only by an app that asks for it: `require('fastify-allowed-methods')` loads the runtime alone.
 */
type OpenApiInstall = typeof import('./openapi/install')
type Contract = typeof import('./openapi/contract')

/** The plugin body; lib/index.ts wraps it with fastify-plugin and exports it. */
export const allowedMethodsPlugin: FastifyPluginCallback<FastifyAllowedMethodsOptions> = (fastify, opts, done) => {
  let options: ResolvedOptions
  let prior: PriorRoute[]
  try {
    if (!isRoot(fastify)) throw new FST_ALLOWED_METHODS_NOT_ROOT()
    options = resolveOptions(opts)
    prior = readPriorRoutes(fastify)
  } catch (err) {
    done(err as Error)
    return
  }
  const table = new MethodTable()
  const resolver = new AllowResolver(fastify, table, options.autoOptions)
  const extras = new OptionsExtras(options, resolver)
  const responder = new Responder(options, resolver, () => fastify.supportedMethods, extras)

  function noteCatchAllOptions (url: string): void {
    responder.optionsCatchAll ??= new Set()
    responder.optionsCatchAll.add(url)
  }

  for (const route of prior) {
    const seen = table.addPrior(route)
    if (seen.hidden) resolver.addHidden(seen)
    if (seen.catchAll && route.method === 'OPTIONS') noteCatchAllOptions(route.url)
  }
  const warning = priorRoutesWarning(prior)
  if (warning !== null) fastify.log.warn(warning)

  // fastify cannot list its constraint strategies: note those added from now on, to derive them
  const addConstraintStrategy = fastify.addConstraintStrategy
  fastify.addConstraintStrategy = function (this: FastifyInstance, strategy) {
    addConstraintStrategy.call(this, strategy)
    resolver.addStrategy(strategy as unknown as Parameters<AllowResolver['addStrategy']>[0])
  }

  const late = options.answerEarly ? null : responder.onPreHandler
  const hooks: NotFoundHooks = { early: responder.onNotFoundRequest, late }
  const placement = installHooks(fastify, hooks)
  if (placement.scope === 'everyRequest') {
    fastify.log.warn(`fastify-allowed-methods: ${placement.reason}, so its hooks run on every request (one check ` +
      'on each matched route) instead of only on the 404 path. Register the plugin before calling setNotFoundHandler() ' +
      'at the root to keep matched routes free of it.')
    fastify.addHook('onRequest', responder.onRequest)
    if (late !== null) fastify.addHook('preHandler', late)
  } else if (placement.scope === 'rootContext') {
    fastify.log.warn(`fastify-allowed-methods: ${placement.reason}: its hooks are added to that handler's context ` +
      'at ready, through a fastify internal (the context has no public API to add a hook). Register the plugin ' +
      'before calling setNotFoundHandler() at the root to rely only on public API.')
  }

  fastify.addHook('onRoute', function (this: FastifyInstance, route) {
    // `this`: the instance the route was declared on, whose content-type parsers the route uses
    const seen = table.add(route, parsersOf(this))
    resolver.checkStrategies(seen)
    if (seen.hidden || seen.hideFn !== null) resolver.addHidden(seen)
    if (seen.catchAll && seen.methods.includes('OPTIONS')) {
      noteCatchAllOptions(seen.url)
      // a plain OPTIONS routed there is this plugin's to answer (the root hooks see it otherwise)
      if (placement.scope !== 'everyRequest') {
        route.onRequest = withEarly(route, responder.onCatchAllRequest).onRequest as typeof route.onRequest
        if (late !== null) appendLate(route as unknown as Record<string, unknown>, late)
      }
    }
  })
  fastify.addHook('onReady', function prepare (hookDone) {
    // the root notFound context is built by now (fastify builds contexts before onReady)
    if (placement.scope === 'rootContext') attachHooks(placement.context, hooks)
    resolver.prepare()
    responder.prepare()
    extras.prepare(table.routes, parsersOf(fastify))
    const contract = options.contract
    hookDone(contract === undefined ? undefined : (require('./openapi/contract') as Contract).checkContract(fastify, table, contract, options.autoOptions))
  })

  if (options.openapi) (require('./openapi/install') as OpenApiInstall).installOpenApi({ fastify, table, resolver, options, extras })

  fastify.decorate('allowedMethods', function allowedMethods (this: FastifyInstance, url: string, headers: IncomingHttpHeaders = {}, request?: FastifyRequest): string[] {
    // with the caller, routes whose `config.allow.hide` is a function are asked (never memoised then)
    const set = resolver.resolve(url, resolver.derive(headers, request?.raw), undefined, request)
    return set === null ? [] : [...set.methods]
  })
  fastify.decorate('methodTable', function methodTable (): Record<string, string[]> {
    return table.toObject()
  })
  done()
}
