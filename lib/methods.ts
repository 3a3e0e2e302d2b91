/**
 * The one order in which methods are listed in `Allow` (RFC 9110 section 10.2.1 leaves the order
 * free; a stable one makes headers comparable): the RFC 9110 methods in the order of its method
 * table, then PATCH (RFC 5789) and QUERY, then every other method alphabetically.
 */
const CANONICAL = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']

function rank (method: string): number {
  const i = CANONICAL.indexOf(method)
  return i === -1 ? CANONICAL.length : i
}

/**
 * The methods fastify supports out of the box (`fastify.supportedMethods` before any
 * `addHttpMethod()`): never answered 501.
 */
export const FASTIFY_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY'])

/** Compares two method names in Allow order. */
export function compareMethods (a: string, b: string): number {
  const d = rank(a) - rank(b)
  if (d !== 0) return d
  return a < b ? -1 : a > b ? 1 : 0
}

/** Returns a new array of the distinct methods, sorted in Allow order. */
export function sortMethods (methods: Iterable<string>): string[] {
  return [...new Set(methods)].sort(compareMethods)
}
