import type { FastifyInstance, onRequestHookHandler } from 'fastify'

/**
 * Where the plugin's onRequest hook runs:
 * - `'notFound'`: only in fastify's notFound contexts, so a matched route runs no code of this
 *   plugin at all (not even fastify's hook runner). The default.
 * - `'everyRequest'`: a root hook that returns at once on matched routes (`request.is404`). Used
 *   only when the first cannot be had: the plugin was registered after the app set its own root
 *   notFound handler, or after @fastify/cors (whose `OPTIONS *` route then exists already and
 *   cannot be given a route-level hook: a root hook sees it).
 */
export type HookScope = 'notFound' | 'everyRequest'

type SetNotFoundHandler = (this: FastifyInstance, opts?: unknown, handler?: unknown) => FastifyInstance

/** `hook` appended to the onRequest hooks of a notFound handler's or a route's options. */
export function withOnRequest (opts: unknown, hook: onRequestHookHandler): Record<string, unknown> & { onRequest: unknown[] } {
  const copy = { ...(opts as Record<string, unknown> | undefined) }
  const own = copy.onRequest
  return { ...copy, onRequest: [...(own === undefined || own === null ? [] : Array.isArray(own) ? own : [own]), hook] }
}

/** The root instance is a plain object; every encapsulated one is created from its parent. */
export function isRoot (fastify: FastifyInstance): boolean {
  return Object.getPrototypeOf(fastify) === Object.prototype
}

/**
 * Puts `hook` into every notFound context. fastify gives a notFound context the onRequest hooks
 * of the instance that set it, plus those of the `opts` passed to `setNotFoundHandler(opts,
 * handler)`: so the plugin calls `setNotFoundHandler({ onRequest })` without a handler at the root
 * (fastify's default 404 handler stays, and the root slot stays free for the app), and adds its
 * hook to the options of every later `setNotFoundHandler()` call, at the root or under a prefix.
 * The hook then runs after the app's own onRequest hooks, exactly where a 404 would be decided.
 */
export function installOnRequest (fastify: FastifyInstance, notFoundHook: onRequestHookHandler, everyRequestHook: onRequestHookHandler, priorOptionsCatchAll: boolean): HookScope {
  // `fastify` is the root instance (plugin.ts checks it)
  if (!priorOptionsCatchAll && intoNotFoundContexts(fastify, notFoundHook)) return 'notFound'
  fastify.addHook('onRequest', everyRequestHook)
  return 'everyRequest'
}

/** False when the app's own root notFound handler was set before the plugin (fastify throws). */
function intoNotFoundContexts (fastify: FastifyInstance, hook: onRequestHookHandler): boolean {
  const original = fastify.setNotFoundHandler as unknown as SetNotFoundHandler
  try {
    original.call(fastify, { onRequest: [hook] })
  } catch {
    return false // "Not found handler already set for Fastify instance with prefix: '/'"
  }
  const wrapped: SetNotFoundHandler = function setNotFoundHandler (this: FastifyInstance, opts?: unknown, handler?: unknown) {
    if (typeof opts === 'function') return original.call(this, withOnRequest(undefined, hook), opts)
    return original.call(this, withOnRequest(opts, hook), handler)
  }
  fastify.setNotFoundHandler = wrapped as unknown as FastifyInstance['setNotFoundHandler']
  return true
}
