import type { FastifyInstance } from 'fastify'
import type { AllowResolver } from '../allow'
import type { MethodTable, SeenRoute } from '../method-table'
import { candidateValues, concreteUrls, paramNames, parsePathKey, parseRoutePattern } from './paths'

/** What the server answers for the URLs of one documented path. */
export interface PathAllow {
  /** The concrete URL that stands for the path (parameters filled). */
  url: string
  /** The exact methods of the Allow header the server sends for `url`, OPTIONS included when automatic. */
  allow: string[]
  /** True when OPTIONS on `url` is answered by this plugin, not by an OPTIONS route of the app. */
  automaticOptions: boolean
}

type Params = Record<string, string | undefined>

function sameValues (params: Params, names: string[], values: string[]): boolean {
  if (Object.keys(params).length !== names.length) return false
  return names.every((name, i) => params[name] === values[i])
}

/** `base` (a server's path, `/api`) and a path into one request path. */
function join (base: string, path: string): string {
  const url = base.replace(/\/+$/, '') + path
  return url === '' ? '/' : url
}

/** Route constraints usable as lookup values (a RegExp host matches many names; it cannot be one). */
function lookupConstraints (route: SeenRoute): Record<string, string> | undefined {
  if (route.constraints === undefined) return undefined
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(route.constraints)) if (typeof value === 'string') out[name] = value
  return out
}

/**
 * Finds, by asking fastify's router, the concrete URL that stands for a documented path or a route
 * pattern, and what the server answers there. The Allow of a path is the one a request without
 * constraint headers gets for a URL that no more specific route takes (`/users/1`, not `/users/new`).
 */
export class PathProbe {
  constructor (
    private readonly fastify: FastifyInstance,
    private readonly resolver: AllowResolver,
    private readonly table: MethodTable
  ) {}

  private find (method: string, url: string, constraints?: Record<string, unknown>): { params: Params } | null {
    return this.fastify.findRoute({ method, url, constraints } as Parameters<FastifyInstance['findRoute']>[0]) as { params: Params } | null
  }

  /** Whether OPTIONS on `url` reaches this plugin: no OPTIONS route, or only another plugin's hidden catch-all. */
  private automaticOptions (url: string): boolean {
    const found = this.find('OPTIONS', url, this.resolver.derive({}))
    if (found === null) return true
    const rest = found.params['*']
    return rest !== undefined && Object.keys(found.params).length === 1 &&
      this.table.routes.some(r => r.catchAll && r.methods.includes('OPTIONS') && r.url.slice(0, -1) + rest === url)
  }

  /**
   * The URL and Allow of a documented path key: the first candidate URL (under each base path in
   * turn) where every documented method is served and no more specific route takes over.
   * `null` when no URL of the key serves its documented methods.
   */
  resolveKey (key: string, documented: readonly string[], hints: ReadonlyMap<string, string[]>, bases: readonly string[]): PathAllow | null {
    const parts = parsePathKey(key)
    const names = paramNames(parts)
    const candidates = names.map(name => candidateValues({ param: name }, hints.get(name)))
    const derived = this.resolver.derive({})
    for (const base of bases) {
      for (const { url: path } of concreteUrls(parts, candidates)) {
        const url = join(base, path)
        const allow = this.resolver.allowed(url, derived)
        if (allow === null || allow.length === 0) continue
        if (!documented.every(m => allow.includes(m))) continue
        const shadowed = documented.some(m => {
          const found = this.find(m, url, derived)
          return found !== null && Object.keys(found.params).length < names.length
        })
        if (shadowed) continue
        return { url, allow, automaticOptions: this.automaticOptions(url) }
      }
    }
    return null
  }

  /** A concrete URL that fastify routes to this very route (its parameters get the values filled in). */
  routeSample (route: SeenRoute): string | null {
    const parts = parseRoutePattern(route.url)
    const params = parts.filter(p => 'param' in p)
    const names = paramNames(parts)
    const candidates = params.map(p => candidateValues(p))
    const constraints = lookupConstraints(route)
    for (const { url, values } of concreteUrls(parts, candidates)) {
      const found = this.find(route.methods[0], url, constraints)
      if (found !== null && sameValues(found.params, names, values)) return url
    }
    return null
  }
}
