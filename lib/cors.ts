import type { FastifyRequest, RouteOptions } from 'fastify'
import { FST_ALLOWED_METHODS_CORS_WITHOUT_PLUGIN, FST_ALLOWED_METHODS_INVALID_OPTION } from './errors'
import { classify } from './method-table'

/**
 * Per-resource CORS preflights with @fastify/cors, through cors' own extension point (its
 * `delegator` option): each preflight's Access-Control-Allow-Methods is the Allow of the resource
 * it asks about, for that request. Everything else (origins, credentials, headers, max age, the
 * preflight answer itself) stays cors'. Imports nothing of @fastify/cors: its options are the
 * caller's, passed through.
 */

/** What the delegator hands back to @fastify/cors: the caller's options, `methods` per preflight. */
export type AllowedMethodsCorsResolved<T extends object> = T & { methods?: string | string[], preflight?: boolean }

/** cors' callback-style delegator (`delegator(request, callback)`), called by cors' hook on every request. */
export type AllowedMethodsCorsDelegator<T extends object> = (request: FastifyRequest, callback: (error: Error | null, options?: AllowedMethodsCorsResolved<T>) => void) => void

/** The options to register @fastify/cors with: the caller's (cors reads `hook`, `hideOptionsRoute`, `logLevel` there) and the delegator. */
export type AllowedMethodsCorsOptions<T extends object> = T & { delegator: AllowedMethodsCorsDelegator<T> }

/**
 * Whether the route fastify routed this OPTIONS request to is one the app serves: not hidden from
 * Allow (cors' own `OPTIONS *` catch-all is, see classify()), not hidden from this caller. A
 * preflight always has a route: cors' catch-all matches every path of its scope.
 */
function servesOptions (request: FastifyRequest): boolean {
  const { hidden, hideFn } = classify(request.routeOptions as unknown as Pick<RouteOptions, 'url' | 'schema' | 'config'>)
  return !hidden && (hideFn === null || hideFn(request) !== true)
}

/**
 * Options for `fastify.register(cors, allowedMethodsCors({ origin: ... }))`: `options` are
 * @fastify/cors options (all but `delegator`, which this returns). A preflight (OPTIONS with
 * `Origin` and `Access-Control-Request-Method`) for a URL the app serves gets
 * Access-Control-Allow-Methods = that URL's Allow for that request, without OPTIONS unless a route
 * serves it: a method the resource does not support is not in it, so a browser stops at the
 * preflight (for any method but the CORS-safelisted GET, HEAD and POST, which browsers do not
 * check against the list). A preflight for a URL nothing serves gets cors' usual answer (`methods`
 * of `options`). Another OPTIONS (no `Origin` or no `Access-Control-Request-Method`) is not a
 * preflight: cors adds its headers and leaves the answer to the app (the plugin's automatic OPTIONS).
 */
export function allowedMethodsCors (): AllowedMethodsCorsOptions<Record<never, never>>
export function allowedMethodsCors<const T extends object> (options: T & { delegator?: never }): AllowedMethodsCorsOptions<T>
export function allowedMethodsCors<const T extends object> (options?: T): AllowedMethodsCorsOptions<T> {
  const base = (options === undefined ? {} : options) as T
  if (typeof base !== 'object' || base === null || Array.isArray(base)) {
    throw new FST_ALLOWED_METHODS_INVALID_OPTION('allowedMethodsCors(options)', 'must be an object of @fastify/cors options', base === null ? 'null' : typeof base)
  }
  if ((base as { delegator?: unknown }).delegator !== undefined) {
    throw new FST_ALLOWED_METHODS_INVALID_OPTION('delegator', 'cannot be given to allowedMethodsCors(), which returns the delegator itself: pass the other @fastify/cors options', 'a delegator')
  }
  const plain: AllowedMethodsCorsResolved<T> = { ...base, preflight: false }

  function allowedMethodsCorsDelegator (request: FastifyRequest, callback: (error: Error | null, options?: AllowedMethodsCorsResolved<T>) => void): void {
    if (request.raw.method !== 'OPTIONS') {
      callback(null, base)
      return
    }
    const headers = request.headers
    const requested = headers['access-control-request-method']
    if (headers.origin === undefined || requested === undefined) {
      callback(null, plain)
      return
    }
    const server = request.server
    if (typeof server.allowedMethods !== 'function') {
      callback(new FST_ALLOWED_METHODS_CORS_WITHOUT_PLUGIN())
      return
    }
    const url = request.raw.url as string
    const allow = url === '*' ? [] : server.allowedMethods(url, headers, request)
    if (allow.length === 0) {
      callback(null, base) // a URL nothing serves: the app's usual CORS answer
      return
    }
    const methods = servesOptions(request) ? allow : allow.filter(m => m !== 'OPTIONS')
    callback(null, { ...base, methods })
  }

  return { ...base, delegator: allowedMethodsCorsDelegator }
}
