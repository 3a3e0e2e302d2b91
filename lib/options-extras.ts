import type { FastifyReply } from 'fastify'
import type { AllowResolver } from './allow'
import { acceptedMediaTypes } from './media-types'
import type { ParserRegistry } from './media-types'
import type { SeenRoute } from './method-table'
import type { ResolvedOptions } from './options'

type Derived = Record<string, unknown> | undefined

/**
 * The JSON document route of @fastify/swagger-ui (`<routePrefix>/json`), found by the routes it
 * always declares together (`/json`, `/yaml`, `/static/*` under its prefix), whether it was
 * registered before or after this plugin; null without it (the first one when there are several).
 */
function swaggerUiDocument (routes: readonly SeenRoute[]): string | null {
  const gets = new Set(routes.filter(r => r.methods.includes('GET')).map(r => r.url))
  for (const url of gets) {
    if (!url.endsWith('/json')) continue
    const prefix = url.slice(0, -'/json'.length)
    if (gets.has(prefix + '/yaml') && gets.has(prefix + '/static/*')) return url
  }
  return null
}

/**
 * What an automatic OPTIONS answer says besides `Allow`: `Accept-Patch` (RFC 5789 section 3.1)
 * and `Accept-Post` (W3C LDP) for a resource with a PATCH or POST route, listing the media types
 * that route accepts, and `Link: <url>; rel="service-desc"` (RFC 8631) to the OpenAPI document.
 */
export class OptionsExtras {
  private link: string | null = null
  /** `Accept-*` header values by route, built on first use (the app's parsers are final by then). */
  private readonly accepts = new WeakMap<SeenRoute, string>()
  private rootParsers: ParserRegistry | null = null

  constructor (private readonly options: ResolvedOptions, private readonly resolver: AllowResolver) {}

  /**
   * At onReady: the Link value, and the parsers that routes read from fastify's route tree use.
   * `routes`: every route, to find @fastify/swagger-ui's document route.
   */
  prepare (routes: readonly SeenRoute[], rootParsers: ParserRegistry | null): void {
    this.rootParsers = rootParsers
    const url = typeof this.options.serviceDesc === 'string' ? this.options.serviceDesc : this.options.serviceDesc ? swaggerUiDocument(routes) : null
    this.link = url === null ? null : `<${url}>; rel="service-desc"`
  }

  /** The `Link` value, or null (no document URL known, or `serviceDesc: false`). */
  get serviceDesc (): string | null {
    return this.link
  }

  private acceptOf (path: string, derived: Derived, method: string): string | null {
    const route = this.resolver.routeOf(path, derived, method)
    if (route === null) return null
    let value = this.accepts.get(route)
    if (value === undefined) {
      value = acceptedMediaTypes(route.bodyTypes, route.parsers ?? this.rootParsers).join(', ')
      this.accepts.set(route, value)
    }
    return value === '' ? null : value
  }

  /**
   * The extra headers of the OPTIONS answer for `path` (null: `OPTIONS *`) whose Allow is
   * `methods`, as [name, value] pairs; `derived`: the request's constraints.
   */
  headers (path: string | null, methods: readonly string[], derived: Derived): Array<[string, string]> {
    const out: Array<[string, string]> = []
    if (path !== null) {
      if (this.options.acceptPatch && methods.includes('PATCH')) {
        const value = this.acceptOf(path, derived, 'PATCH')
        if (value !== null) out.push(['accept-patch', value])
      }
      if (this.options.acceptPost && methods.includes('POST')) {
        const value = this.acceptOf(path, derived, 'POST')
        if (value !== null) out.push(['accept-post', value])
      }
    }
    if (this.link !== null) out.push(['link', this.link])
    return out
  }

  /** Sets the extra headers on an OPTIONS answer (see headers()); the constraints are the reply's request's. */
  apply (reply: FastifyReply, path: string | null, methods: readonly string[]): void {
    if (this.link === null && !methods.includes('PATCH') && !methods.includes('POST')) return
    const request = reply.request
    for (const [name, value] of this.headers(path, methods, this.resolver.derive(request.headers, request.raw))) reply.header(name, value)
  }
}
