import type { RouteOptions } from 'fastify'
import { sortMethods } from './methods'

/** What the onRoute hook keeps of one route: copies, never references (fastify mutates them). */
export interface SeenRoute {
  url: string
  /** Shared between routes with the same method list (10,000 GET routes hold one array): read only. */
  methods: readonly string[]
  constraints: Record<string, unknown> | undefined
  /** True for routes kept out of Allow: `config.allow.hide`, and other plugins' hidden catch-alls. */
  hidden: boolean
  /** A hidden catch-all registered by another plugin (`OPTIONS *` of @fastify/cors, `/*` of @fastify/static). */
  catchAll: boolean
  /** For `path: '/'` under a prefix: fastify also routes `prefix + '/'` without firing onRoute. */
  prefixSlash: boolean
  /** Route schema, to let the OpenAPI export skip what swagger hides. */
  schemaHidden: boolean
}

interface AllowConfig { hide?: boolean }

/**
 * A route is hidden from Allow when its config says `allow: { hide: true }`, or when it is a
 * wildcard route that another plugin hid from the docs (`schema.hide`): that is how @fastify/cors
 * (`OPTIONS *`) and @fastify/static (`prefix + '*'`) register their catch-alls, which would
 * otherwise make every unknown URL look like it exists. `allow: { hide: false }` overrides both.
 */
export function classify (route: Pick<RouteOptions, 'url' | 'schema' | 'config'>): { hidden: boolean, catchAll: boolean } {
  const allow = (route.config as { allow?: AllowConfig } | undefined)?.allow
  const schemaHidden = (route.schema as { hide?: boolean } | undefined)?.hide === true
  const catchAll = schemaHidden && route.url.endsWith('*')
  if (allow?.hide === false) return { hidden: false, catchAll: false }
  return { hidden: allow?.hide === true || catchAll, catchAll }
}

/** Builds the per-pattern method table from onRoute. */
export class MethodTable {
  readonly routes: SeenRoute[] = []
  /** Names of constraint strategies some route uses: only these are derived from a request. */
  readonly constraintsInUse = new Set<string>()
  /** One frozen array per distinct method list, to keep the heap small with many routes. */
  private readonly methodLists = new Map<string, readonly string[]>()
  private readonly visibleMethods = new Set<string>()
  /** Every method some route has, hidden ones included: the only methods fastify's router can match. */
  readonly routedMethods = new Set<string>()

  /** The onRoute hook body. */
  add (route: RouteOptions): SeenRoute {
    const listed = (Array.isArray(route.method) ? route.method : [route.method]).map(m => String(m).toUpperCase())
    const key = listed.join(' ')
    let methods = this.methodLists.get(key)
    if (methods === undefined) {
      methods = Object.freeze(listed)
      this.methodLists.set(key, methods)
    }
    const { hidden, catchAll } = classify(route)
    const constraints = route.constraints && Object.keys(route.constraints).length > 0
      ? { ...route.constraints as Record<string, unknown> }
      : undefined
    if (constraints !== undefined) {
      for (const name of Object.keys(constraints)) this.constraintsInUse.add(name)
    }
    const r = route as RouteOptions & { routePath?: string, prefix?: string, prefixTrailingSlash?: string }
    const seen: SeenRoute = {
      url: route.url,
      methods,
      constraints,
      hidden,
      catchAll,
      prefixSlash: r.routePath === '' && typeof r.prefix === 'string' && r.prefix.length > 0 &&
        (r.prefixTrailingSlash === undefined || r.prefixTrailingSlash === 'both'),
      schemaHidden: (route.schema as { hide?: boolean } | undefined)?.hide === true
    }
    this.routes.push(seen)
    for (const m of methods) this.routedMethods.add(m)
    if (!hidden) for (const m of methods) this.visibleMethods.add(m)
    return seen
  }

  /** `{ [urlPattern]: methods }` for every visible route pattern, methods in Allow order. */
  toObject (): Record<string, string[]> {
    // built on demand (rarely called) rather than kept per pattern beside `routes`
    const byPattern = new Map<string, Set<string>>()
    for (const route of this.routes) {
      if (route.hidden) continue
      let set = byPattern.get(route.url)
      if (set === undefined) {
        set = new Set()
        byPattern.set(route.url, set)
      }
      for (const m of route.methods) set.add(m)
    }
    const out: Record<string, string[]> = {}
    for (const [url, set] of byPattern) out[url] = sortMethods(set)
    return out
  }

  /** Every method some visible route implements. */
  implemented (): Set<string> {
    return this.visibleMethods
  }
}
