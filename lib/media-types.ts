import type { RouteOptions } from 'fastify'

/** What this module reads of fastify's content-type parser of a context (no public getter exists). */
export interface ParserRegistry {
  /** The string media types with a parser, the last added first (fastify's own order). */
  parserList: string[]
  /** Every parser by key: `''` is the catch-all parser of `addContentTypeParser('*')`. */
  customParsers: Map<string, unknown>
}

/** fastify keeps each context's content-type parsers under a symbol described so. */
const PARSER_SYMBOL = 'fastify.contentTypeParser'

/** The content-type parsers of a fastify instance (an encapsulation context), or null when unreadable. */
export function parsersOf (instance: object): ParserRegistry | null {
  const key = Object.getOwnPropertySymbols(instance).find(s => s.description === PARSER_SYMBOL)
  const parsers = key === undefined ? undefined : (instance as Record<symbol, unknown>)[key] as ParserRegistry | undefined
  return parsers !== undefined && Array.isArray(parsers.parserList) && parsers.customParsers instanceof Map ? parsers : null
}

/**
 * The media types a route's schema says its body accepts: the keys of `schema.body.content`
 * (fastify's per-content-type body schemas), else `schema.consumes` (@fastify/swagger's), else null.
 */
export function schemaBodyTypes (route: RouteOptions): string[] | null {
  const schema = route.schema as { body?: { content?: unknown }, consumes?: unknown } | undefined
  const content = schema?.body?.content
  if (typeof content === 'object' && content !== null && !Array.isArray(content)) {
    const types = Object.keys(content)
    if (types.length > 0) return types
  }
  const consumes = schema?.consumes
  if (Array.isArray(consumes)) {
    const types = consumes.filter((t): t is string => typeof t === 'string')
    if (types.length > 0) return types
  }
  return null
}

/**
 * The media types a route accepts as its body (for `Accept-Patch` and `Accept-Post`): those of its
 * schema, else those its context has a parser for (the app's own first, then fastify's
 * `application/json` and `text/plain`; `*\/*` for a catch-all parser). RegExp parsers name no
 * media type and are left out.
 */
export function acceptedMediaTypes (bodyTypes: readonly string[] | null, parsers: ParserRegistry | null): string[] {
  if (bodyTypes !== null) return [...bodyTypes]
  if (parsers === null) return []
  const types = [...parsers.parserList]
  if (parsers.customParsers.has('')) types.push('*/*')
  return types
}
