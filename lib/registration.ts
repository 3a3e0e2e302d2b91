import type { FastifyInstance } from 'fastify'
import FindMyWay from 'find-my-way'
import { FST_ALLOWED_METHODS_REGISTERED_LATE } from './errors'

/** Catch-alls that plugins commonly register before this one, recognised by their exact tree. */
const KNOWN_CATCH_ALLS: Record<string, string> = {
  OPTIONS: '*', // @fastify/cors
  GET: '/*', // @fastify/static at the root prefix
  HEAD: '/*'
}

export interface PriorCatchAll { method: string, url: string }

/**
 * Routes added before this plugin never reached its onRoute hook. The Allow computation would still
 * see them (it asks fastify's router), but hidden ones would be advertised and the method table
 * would miss them: rather than answer differently, refuse to start, except for the well-known
 * hidden catch-alls of @fastify/cors and @fastify/static, which are recognised and handled.
 */
export function checkPriorRoutes (fastify: FastifyInstance): PriorCatchAll[] {
  if (fastify.printRoutes() === '(empty tree)') return []
  const known: PriorCatchAll[] = []
  const unexpected: string[] = []
  for (const method of fastify.supportedMethods) {
    const tree = fastify.printRoutes({ method })
    if (tree === '(empty tree)') continue
    const url = KNOWN_CATCH_ALLS[method]
    if (url !== undefined) {
      const reference = FindMyWay()
      reference.on(method as FindMyWay.HTTPMethod, url, () => {})
      if (reference.prettyPrint({ method: method as FindMyWay.HTTPMethod }) === tree) {
        known.push({ method, url })
        continue
      }
    }
    unexpected.push(method)
  }
  if (unexpected.length > 0) {
    throw new FST_ALLOWED_METHODS_REGISTERED_LATE(`routes for ${unexpected.join(', ')}`)
  }
  return known
}
