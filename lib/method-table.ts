import type { FastifyRequest, RouteOptions } from 'fastify'
import { FST_ALLOWED_METHODS_INVALID_ROUTE_CONFIG } from './errors'
import { schemaBodyTypes } from './media-types'
import type { ParserRegistry } from './media-types'
import { sortMethods } from './methods'
import type { PriorRoute } from './prior-routes'

/** `config.allow.hide` as a function: true hides the route from this request's answers. */
export type HideFn = (request: FastifyRequest) => boolean

/** What the onRoute hook keeps of one route: copies, never references (fastify mutates them). */
export interface SeenRoute {
  url: string
  /** Shared between routes with the same method list (10,000 GET routes hold one array): read only. */
  methods: readonly string[]
  constraints: Record<string, unknown> | undefined
  /** True for routes kept out of Allow: `config.allow.hide: true`, and other plugins' hidden catch-alls. */
  hidden: boolean
  /** `config.allow.hide` given as a function: hidden from the requests for which it returns true. */
  hideFn: HideFn | null
  /** A hidden catch-all registered by another plugin (`OPTIONS *` of @fastify/cors, `/*` of @fastify/static). */
  catchAll: boolean
  /** For `path: '/'` under a prefix: fastify also routes `prefix + '/'` without firing onRoute. */
  prefixSlash: boolean
  /** Route schema, to let the OpenAPI export skip what swagger hides. */
  schemaHidden: boolean
  /**
   * Perhaps only the trailing-slash twin that fastify adds for a route at a prefix root
   * (`prefix + '/'`, served without an onRoute of its own, or read back from the route tree): not
   * a pattern of the method table when the same method is listed at the pattern without the slash.
   */
  slashVariant: boolean
  /** Added before the plugin: read from fastify's route tree, its config unknown. */
  prior: boolean
  /** The body media types of the route's schema (see lib/media-types.ts), null when it names none. */
  bodyTypes: string[] | null
  /** The content-type parsers of the route's context (null: unknown, as for a prior route). */
  parsers: ParserRegistry | null
}

interface AllowConfig { hide?: boolean | HideFn }

/**
 * A route is hidden from Allow when its config says `allow: { hide: true }`, or when it is a
 * wildcard route that another plugin hid from the docs (`schema.hide`): that is how @fastify/cors
 * (`OPTIONS *`) and @fastify/static (`prefix + '*'`) register their catch-alls, which would
 * otherwise make every unknown URL look like it exists. `allow: { hide: false }` overrides both.
 */
export function classify (route: Pick<RouteOptions, 'url' | 'schema' | 'config'> & { method?: RouteOptions['method'] }): { hidden: boolean, catchAll: boolean, hideFn: HideFn | null } {
  const allow = (route.config as { allow?: AllowConfig } | undefined)?.allow
  const hide = allow?.hide
  if (allow !== undefined && (allow === null || typeof allow !== 'object')) {
    throw new FST_ALLOWED_METHODS_INVALID_ROUTE_CONFIG(String(route.method), route.url, 'config.allow must be an object { hide }')
  }
  if (hide !== undefined && typeof hide !== 'boolean' && typeof hide !== 'function') {
    throw new FST_ALLOWED_METHODS_INVALID_ROUTE_CONFIG(String(route.method), route.url, 'config.allow.hide must be a boolean or a function (request) => boolean')
  }
  const schemaHidden = (route.schema as { hide?: boolean } | undefined)?.hide === true
  const catchAll = schemaHidden && route.url.endsWith('*')
  if (hide === false) return { hidden: false, catchAll: false, hideFn: null }
  if (typeof hide === 'function') return { hidden: false, catchAll: false, hideFn: hide }
  return { hidden: hide === true || catchAll, catchAll, hideFn: null }
}

/** Builds the per-pattern method table from onRoute. */
export class MethodTable {
  readonly routes: SeenRoute[] = []
  /** Names of constraint strategies some route uses: only these are derived from a request. */
  readonly constraintsInUse = new Set<string>()
  /** One frozen array per distinct method list, to keep the heap small with many routes. */
  private readonly methodLists = new Map<string, readonly string[]>()
  private readonly visibleMethods = new Set<string>()
  /** Methods whose only visible routes hide themselves from some callers (`config.allow.hide` functions). */
  private readonly conditionalMethods = new Map<string, HideFn[]>()
  /** Every method some route has, hidden ones included: the only methods fastify's router can match. */
  readonly routedMethods = new Set<string>()
  /** True once a route hides itself with a function: answers then depend on the caller. */
  hasHideFns = false

  private methodList (listed: string[]): readonly string[] {
    const key = listed.join(' ')
    let methods = this.methodLists.get(key)
    if (methods === undefined) {
      methods = Object.freeze(listed)
      this.methodLists.set(key, methods)
    }
    return methods
  }

  private record (seen: SeenRoute): SeenRoute {
    if (seen.constraints !== undefined) {
      for (const name of Object.keys(seen.constraints)) this.constraintsInUse.add(name)
    }
    this.routes.push(seen)
    for (const m of seen.methods) {
      this.routedMethods.add(m)
      if (seen.hidden) continue
      if (seen.hideFn === null) {
        this.visibleMethods.add(m)
        continue
      }
      this.hasHideFns = true
      const fns = this.conditionalMethods.get(m)
      if (fns === undefined) this.conditionalMethods.set(m, [seen.hideFn])
      else fns.push(seen.hideFn)
    }
    return seen
  }

  /** The onRoute hook body; `parsers`: the content-type parsers of the context the route was declared in. */
  add (route: RouteOptions, parsers: ParserRegistry | null = null): SeenRoute {
    const methods = this.methodList((Array.isArray(route.method) ? route.method : [route.method]).map(m => String(m).toUpperCase()))
    const { hidden, catchAll, hideFn } = classify(route)
    const constraints = route.constraints && Object.keys(route.constraints).length > 0
      ? { ...route.constraints as Record<string, unknown> }
      : undefined
    const r = route as RouteOptions & { routePath?: string, prefix?: string, prefixTrailingSlash?: string }
    const prefix = typeof r.prefix === 'string' ? r.prefix : ''
    return this.record({
      url: route.url,
      methods,
      constraints,
      hidden,
      hideFn,
      catchAll,
      prefixSlash: r.routePath === '' && prefix.length > 0 &&
        (r.prefixTrailingSlash === undefined || r.prefixTrailingSlash === 'both'),
      schemaHidden: (route.schema as { hide?: boolean } | undefined)?.hide === true,
      slashVariant: r.routePath === '/' && prefix.length > 0 && route.url === prefix + '/',
      prior: false,
      bodyTypes: schemaBodyTypes(route),
      parsers
    })
  }

  /** A route fastify held before the plugin (see lib/prior-routes.ts). */
  addPrior (route: PriorRoute): SeenRoute {
    return this.record({
      url: route.url,
      methods: this.methodList([route.method]),
      constraints: route.constraints,
      hidden: route.catchAll,
      hideFn: null,
      catchAll: route.catchAll,
      prefixSlash: false,
      schemaHidden: route.catchAll,
      slashVariant: route.url.length > 1 && route.url.endsWith('/'),
      prior: true,
      bodyTypes: null,
      parsers: null
    })
  }

  /** The routes of the method table: the visible ones, without prefix roots' trailing-slash twins (see slashVariant). */
  listedRoutes (): SeenRoute[] {
    const visible = this.routes.filter(route => !route.hidden)
    // shorter patterns first: `/a//` is a twin of `/a/` only if `/a/` itself is listed
    const byLength = visible.map((route, i) => ({ route, i })).sort((a, b) => a.route.url.length - b.route.url.length || a.i - b.i)
    const listed = new Set<string>()
    const kept = new Set<SeenRoute>()
    for (const { route } of byLength) {
      if (route.slashVariant && route.methods.every(m => listed.has(m + ' ' + route.url.slice(0, -1)))) continue
      kept.add(route)
      for (const m of route.methods) listed.add(m + ' ' + route.url)
    }
    return visible.filter(route => kept.has(route))
  }

  /** `{ [urlPattern]: methods }` for every visible route pattern, methods in Allow order. */
  toObject (): Record<string, string[]> {
    // built on demand (rarely called) rather than kept per pattern beside `routes`
    const byPattern = new Map<string, Set<string>>()
    for (const route of this.listedRoutes()) {
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

  /**
   * Every method some visible route implements, for this request: a method whose routes all hide
   * themselves from it (`config.allow.hide` functions) is left out. Without a request (the
   * OpenAPI export, decorators) such routes count as visible: they exist for some callers.
   */
  implemented (request?: FastifyRequest): Set<string> {
    if (this.conditionalMethods.size === 0) return this.visibleMethods
    const methods = new Set(this.visibleMethods)
    for (const [method, fns] of this.conditionalMethods) {
      if (!methods.has(method) && (request === undefined || fns.some(fn => fn(request) !== true))) methods.add(method)
    }
    return methods
  }

  /** Whether some route visible to this request implements `method` (see implemented()). */
  implements (method: string, request?: FastifyRequest): boolean {
    if (this.visibleMethods.has(method)) return true
    const fns = this.conditionalMethods.get(method)
    return fns !== undefined && (request === undefined || fns.some(fn => fn(request) !== true))
  }
}
