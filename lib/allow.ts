import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'
import type FindMyWay from 'find-my-way'
import { FST_ALLOWED_METHODS_UNKNOWN_STRATEGY } from './errors'
import type { HideFn, MethodTable, SeenRoute } from './method-table'
import { sortMethods } from './methods'

type Derived = Record<string, unknown> | undefined
type Router = FindMyWay.Instance<FindMyWay.HTTPVersion.V1>
/** What find-my-way records of each route it holds (`router.routes`, not in its typings). */
type RouterEntry = { path: string, params: string[] }
/** What the pattern router stores per route (see AllowResolver#patterns()). */
type PatternStore = { pattern: string, route: SeenRoute }
/** What the shadow router stores per route: is it hidden, always or from some callers. */
type ShadowStore = { hidden: boolean, hideFn: HideFn | null }
type Strategy = { name: string, deriveConstraint: (req: unknown, ctx?: unknown) => unknown }
type RouterOptionName = 'ignoreTrailingSlash' | 'ignoreDuplicateSlashes' | 'caseSensitive' |
  'useSemicolonDelimiter' | 'maxParamLength' | 'allowUnsafeRegex' | 'constraints'

/** Returned when fastify would reject the URL itself (bad %-encoding, over-long parameter). */
export const BAD_URL = null

/** One distinct Allow answer, built once and shared by every request that gets it. */
export interface AllowSet {
  /** The methods, in Allow order. */
  readonly methods: readonly string[]
  /** The `Allow` header value. */
  readonly header: string
  /** `methods` as JSON: the problem document's `allow` member. */
  readonly json: string
}

/** The answer for a URL no method routes. */
const EMPTY: AllowSet = Object.freeze({ methods: Object.freeze([]), header: '', json: '[]' })
/** Distinct answers kept; an app has as many as distinct method sets its routes give a URL. */
const MAX_CACHED_SETS = 4096
/**
 * Recent request paths and their answers: a bounded memo, emptied whenever it is full, so that a
 * client repeating a wrong method skips the router probes while a flood of never-repeating URLs
 * holds at most this many short strings. Paths longer than MAX_RECENT_PATH_LENGTH are not kept.
 */
const MAX_RECENT_PATHS = 1024
export const MAX_RECENT_PATH_LENGTH = 256

/**
 * The effective router options. `initialConfig.routerOptions` holds the merged ones when the user
 * passed `routerOptions`; otherwise the deprecated top-level options are the truth.
 */
function routerOption (fastify: FastifyInstance, name: RouterOptionName): unknown {
  const config = fastify.initialConfig as Record<string, unknown> & { routerOptions?: Record<string, unknown> }
  const ro = config.routerOptions
  if (ro !== undefined && ro[name] !== undefined) return ro[name]
  return config[name]
}

/**
 * The param names find-my-way gives a plain pattern (no regex, optional param, escaped colon or
 * inner `*`), as its parser finds them: `:name` ends at `-`, `.`, `/` or the end, `*` is `*`.
 * Null for other patterns, which a scratch find-my-way parses (slower: it compiles code per route).
 */
export function plainParamNames (pattern: string): string[] | null {
  if (/[(?]|::|\*./.test(pattern)) return null
  const names: string[] = []
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '*') names.push('*')
    if (pattern[i] !== ':') continue
    let end = i + 1
    while (end < pattern.length && pattern[end] !== '-' && pattern[end] !== '.' && pattern[end] !== '/') end++
    names.push(pattern.slice(i + 1, end))
    i = end - 1
  }
  return names
}

function sameParams (a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  for (const k of ka) if (a[k] !== b[k]) return false
  return true
}

/**
 * Computes Allow by asking fastify's own router, one lookup per method that has routes, so that
 * the answer can never disagree with real routing (trailing slashes, case, regex params,
 * constraints, prefixes...). Only the 404 path pays for it; its cost depends on the URL, not on the
 * number of routes (find-my-way is a radix tree). The only per-URL state is the bounded memo of
 * recent paths (MAX_RECENT_PATHS), which a flood of new URLs cannot grow.
 */
export class AllowResolver {
  /** The methods to probe, fixed at onReady (see probeList()). */
  private candidates: string[] | null = null
  /** Allow answers by the bits of the candidates found (see resolve()); filled once ready. */
  private readonly sets = new Map<number | string, AllowSet>()
  /** Answers of recent paths, for requests from which no constraint is derived (see MAX_RECENT_PATHS). */
  private readonly recent = new Map<string, AllowSet | null>()
  /** Methods that have hidden routes. */
  private readonly hiddenMethods = new Set<string>()
  /** See buildShadow(); rebuilt when routes were added since (`table.routes.length` differs). */
  private shadowRouter: Router | null = null
  private shadowFor = -1
  private strategies: Array<[string, Strategy]> = []
  /** Strategies added with `fastify.addConstraintStrategy()` after the plugin (fastify has no getter). */
  private readonly added = new Map<string, Strategy>()
  private derivesHost = false
  private derivesVersion = false

  constructor (private readonly fastify: FastifyInstance, private readonly table: MethodTable, private readonly autoOptions: boolean) {}

  /**
   * Set by probe(): the last answer met a route whose `config.allow.hide` is a function, so it
   * holds for that caller only and must not be remembered for the path.
   */
  private askedHideFn = false

  /**
   * Set by resolve(): its last answer depends on the path alone (remembered for that path, see
   * MAX_RECENT_PATHS), so that it holds for every caller; the responder's answer cache keys on it.
   */
  remembered = false

  /** Registers a route that Allow must not count for every caller (hidden, a hide function, or another plugin's catch-all). */
  addHidden (route: SeenRoute): void {
    for (const method of route.methods) this.hiddenMethods.add(method)
  }

  /** Notes a strategy added with `fastify.addConstraintStrategy()`; the plugin wraps that method. */
  addStrategy (strategy: Strategy): void {
    this.added.set(strategy.name, strategy)
  }

  /** The custom constraint strategies: those of the router options, then those added since. */
  private customStrategies (): Map<string, Strategy> {
    const fromOptions = (routerOption(this.fastify, 'constraints') ?? {}) as Record<string, Strategy>
    return new Map([...Object.entries(fromOptions), ...this.added])
  }

  /**
   * Throws when `route` uses a constraint whose strategy fastify knows but this plugin cannot see
   * (added with addConstraintStrategy() before the plugin): Allow would silently ignore it.
   */
  checkStrategies (route: SeenRoute): void {
    if (route.constraints === undefined) return
    const strategies = this.customStrategies()
    for (const name of Object.keys(route.constraints)) {
      if (name !== 'host' && name !== 'version' && !strategies.has(name) && this.fastify.hasConstraintStrategy(name)) {
        throw new FST_ALLOWED_METHODS_UNKNOWN_STRATEGY(name)
      }
    }
  }

  /**
   * A find-my-way with fastify's router options. find-my-way is loaded here, when the pattern
   * router or the shadow of hidden routes is first built: not on `require()` of the plugin.
   */
  private newRouter (): Router {
    // copies: find-my-way marks each strategy it is given, and initialConfig's are frozen
    const constraints = Object.fromEntries([...this.customStrategies()].map(([name, s]) => [name, { ...s }]))
    return (require('find-my-way') as typeof FindMyWay)({
      ignoreTrailingSlash: routerOption(this.fastify, 'ignoreTrailingSlash') === true,
      ignoreDuplicateSlashes: routerOption(this.fastify, 'ignoreDuplicateSlashes') === true,
      caseSensitive: routerOption(this.fastify, 'caseSensitive') !== false,
      useSemicolonDelimiter: routerOption(this.fastify, 'useSemicolonDelimiter') === true,
      maxParamLength: routerOption(this.fastify, 'maxParamLength') as number, // always in initialConfig
      allowUnsafeRegex: routerOption(this.fastify, 'allowUnsafeRegex') === true,
      constraints
    } as unknown as FindMyWay.Config<FindMyWay.HTTPVersion.V1>)
  }

  /** The shadow router, (re)built when routes were added since it was built; null without hidden routes. */
  private shadow (): Router | null {
    if (this.hiddenMethods.size === 0) return null
    if (this.shadowFor !== this.table.routes.length) this.buildShadow()
    return this.shadowRouter
  }

  /**
   * Tells whether the route fastify matched is hidden. fastify's `findRoute` does not say which
   * route matched, and a visible route can match with the very params of a hidden one (GET
   * `/p/:id(^\\d+$)` beside a hidden GET `/p/:id`; a host-constrained route beside a hidden
   * unconstrained one). So the shadow holds the hidden routes plus every visible route of the same
   * method with the same parameter names, in fastify's insertion order, each marked in its store:
   * find-my-way picks the same route among any subset of the routes that contains it, so whenever
   * the real match could have a hidden route's params, the shadow finds that very route. Only
   * methods with hidden routes are mirrored, and of those only routes shaped like a hidden one.
   */
  private buildShadow (): void {
    const routes = this.table.routes
    // for the param names of a pattern that is not plain (regex, optional params), ask find-my-way
    const scratch = this.newRouter()
    const entries: Array<{ route: SeenRoute, method: string, path: string, key: string }> = []
    for (const route of routes) {
      const methods = route.methods.filter(m => this.hiddenMethods.has(m))
      if (methods.length === 0) continue
      for (const url of route.prefixSlash ? [route.url, route.url + '/'] : [route.url]) {
        const names = plainParamNames(url)
        if (names !== null) {
          for (const method of methods) entries.push({ route, method, path: url, key: method + ' ' + names.join('/') })
          continue
        }
        scratch.reset()
        try {
          scratch.on(methods[0] as FindMyWay.HTTPMethod, url, { constraints: route.constraints ?? {} }, noop)
        } catch {
          continue // a route fastify itself refused after onRoute saw it (the app caught the error)
        }
        for (const entry of (scratch as unknown as { routes: RouterEntry[] }).routes) {
          for (const method of methods) entries.push({ route, method, path: entry.path, key: method + ' ' + entry.params.join('/') })
        }
      }
    }
    const hiddenKeys = new Set(entries.filter(e => e.route.hidden || e.route.hideFn !== null).map(e => e.key))
    const shadow = this.newRouter()
    for (const { route, method, path, key } of entries) {
      if (!hiddenKeys.has(key)) continue
      try {
        shadow.on(method as FindMyWay.HTTPMethod, path, { constraints: route.constraints ?? {} }, noop, { hidden: route.hidden, hideFn: route.hideFn } satisfies ShadowStore)
      } catch {
        // the same route seen twice (fastify fires HEAD twice under some prefixes)
      }
    }
    this.shadowRouter = shadow
    this.shadowFor = routes.length
  }

  /** See patterns(); built when first asked, rebuilt when routes were added since. */
  private patternRouter: Router | null = null
  private patternRouterFor = -1

  /**
   * The route patterns fastify matches for `path` with each of `methods` (in that order, without
   * duplicates): the routes behind an Allow answer. A router of every route, each stored with its
   * pattern, in fastify's insertion order and with its options: find-my-way picks the very route
   * fastify's router picks (fastify's own lookup does not say which route matched). Asked only
   * for the subscribers of the answer channel (lib/observe.ts), never on the plain answer path.
   */
  patterns (path: string, derived: Derived, methods: readonly string[]): string[] {
    if (this.patternRouterFor !== this.table.routes.length) this.buildPatternRouter()
    const router = this.patternRouter as Router
    const found: string[] = []
    for (const method of methods) {
      const match = router.find(method as FindMyWay.HTTPMethod, path, derived as FindMyWay.Config<FindMyWay.HTTPVersion.V1>['constraints'])
      if (match === null) continue // OPTIONS added by autoOptions: no route
      const pattern = (match.store as PatternStore).pattern
      if (!found.includes(pattern)) found.push(pattern)
    }
    return found
  }

  /** The route fastify matches for `path` with `method` (see patterns()), null when none does. */
  routeOf (path: string, derived: Derived, method: string): SeenRoute | null {
    if (this.patternRouterFor !== this.table.routes.length) this.buildPatternRouter()
    const match = (this.patternRouter as Router).find(method as FindMyWay.HTTPMethod, path, derived as FindMyWay.Config<FindMyWay.HTTPVersion.V1>['constraints'])
    return match === null ? null : (match.store as PatternStore).route
  }

  private buildPatternRouter (): void {
    const router = this.newRouter()
    for (const route of this.table.routes) {
      for (const url of route.prefixSlash ? [route.url, route.url + '/'] : [route.url]) {
        for (const method of route.methods) {
          try {
            router.on(method as FindMyWay.HTTPMethod, url, { constraints: route.constraints ?? {} }, noop, { pattern: url, route } satisfies PatternStore)
          } catch {
            // a route fastify itself refused after onRoute saw it, or the same route seen twice
          }
        }
      }
    }
    this.patternRouter = router
    this.patternRouterFor = this.table.routes.length
  }

  /** Freezes the candidate list and the constraint derivers once the route set is final. */
  prepare (): void {
    this.candidates = this.routedMethods()
    this.sets.clear()
    this.recent.clear()
    this.refreshConstraints()
    this.shadow()
  }

  private refreshConstraints (): void {
    const inUse = this.table.constraintsInUse
    this.derivesHost = inUse.has('host')
    this.derivesVersion = inUse.has('version')
    this.strategies = [...this.customStrategies()]
      // an asynchronous strategy (deriveConstraint(req, ctx, done)) cannot be derived here
      .filter(([name, s]) => inUse.has(name) && name !== 'host' && name !== 'version' && s.deriveConstraint.length < 3)
  }

  /**
   * The constraints fastify itself would derive from this request: only those some route uses
   * (deriving an unused `version` would make unconstrained routes miss).
   */
  derive (headers: IncomingHttpHeaders, raw?: unknown): Derived {
    if (this.candidates === null) this.refreshConstraints()
    if (!this.derivesHost && !this.derivesVersion && this.strategies.length === 0) return undefined
    const derived: Record<string, unknown> = {}
    if (this.derivesHost) {
      // `||` as find-my-way derives it: an empty Host header derives no host
      const host = headers.host || headers[':authority']
      if (host !== undefined) derived.host = host
    }
    if (this.derivesVersion) {
      const version = headers['accept-version']
      if (version !== undefined) derived.version = version
    }
    for (const [name, strategy] of this.strategies) {
      const value = strategy.deriveConstraint(raw ?? { headers })
      if (value !== undefined) derived[name] = value
    }
    return derived
  }

  /**
   * The methods to probe: those some route has, in Allow order. fastify's router has no tree for
   * the other supported methods (every route either passes the onRoute hook or was read from
   * fastify's route tree at registration, see lib/prior-routes.ts), so probing them could only
   * find nothing.
   */
  private probeList (): string[] {
    return this.candidates ?? this.routedMethods()
  }

  private routedMethods (): string[] {
    const supported = new Set(this.fastify.supportedMethods)
    return sortMethods([...this.table.routedMethods].filter(m => supported.has(m)))
  }

  /**
   * The methods fastify routes for `url` (a request path, query string allowed), in Allow order,
   * plus OPTIONS while automatic OPTIONS is on. `skip` is a method already known not to route.
   * A method for which fastify rejects the URL (400 bad %-encoding, 414 over-long parameter) does
   * not route; when it rejects it for every method that has routes and none routes, returns BAD_URL
   * (null), so that its own answer stands. Once the app is ready, each distinct answer is built
   * once and shared (its header and JSON too): a 405 then allocates no method list.
   *
   * `request` is the caller, for routes whose `config.allow.hide` is a function; without it
   * (decorators, the OpenAPI export) such routes count as visible.
   *
   * Once ready, the answer for a path is also remembered for a while (see MAX_RECENT_PATHS) when
   * no constraint is derived and no hide function was asked: routes cannot change any more, and
   * then the answer depends on the path alone (`skip` only spares a probe that finds nothing).
   */
  resolve (url: string, derived: Derived, skip?: string, request?: FastifyRequest): AllowSet | null {
    const q = url.indexOf('?')
    const path = q === -1 ? url : url.slice(0, q)
    const memo = derived === undefined && this.candidates !== null && path.length <= MAX_RECENT_PATH_LENGTH
    this.remembered = memo
    if (memo) {
      const known = this.recent.get(path)
      if (known !== undefined) return known
    }
    this.askedHideFn = false
    const answer = this.probe(path, derived, skip, request)
    if (memo && !this.askedHideFn) {
      if (this.recent.size >= MAX_RECENT_PATHS) this.recent.clear()
      this.recent.set(path, answer)
    } else {
      this.remembered = false
    }
    return answer
  }

  private probe (path: string, derived: Derived, skip: string | undefined, request: FastifyRequest | undefined): AllowSet | null {
    const candidates = this.probeList()
    const shadow = this.shadow()
    const found: string[] = []
    let mask = 0
    let rejected = false
    for (let i = 0; i < candidates.length; i++) {
      const method = candidates[i]
      if (method === skip) continue
      const match = this.fastify.findRoute({ method, url: path, constraints: derived } as Parameters<FastifyInstance['findRoute']>[0])
      if (match === null) continue
      // fastify's router answers a URL it rejects with a stand-in that has no searchParams. An
      // over-long param is rejected per method: another method may still route this URL.
      if ((match as { searchParams?: unknown }).searchParams === undefined) {
        rejected = true
        continue
      }
      if (shadow !== null) {
        const hiddenMatch = shadow.find(method as FindMyWay.HTTPMethod, path, derived as FindMyWay.Config<FindMyWay.HTTPVersion.V1>['constraints'])
        if (hiddenMatch !== null && sameParams(hiddenMatch.params as Record<string, unknown>, match.params as Record<string, unknown>)) {
          const store = hiddenMatch.store as ShadowStore
          if (store.hidden) continue
          if (store.hideFn !== null) {
            // this answer depends on the caller (without one, the route counts as visible)
            this.askedHideFn = true
            if (request !== undefined && store.hideFn(request) === true) continue
          }
        }
      }
      found.push(method)
      mask |= 1 << i
    }
    if (found.length === 0) return rejected ? BAD_URL : EMPTY
    // the cache is keyed by the candidate index bits: only once the candidate list is final
    if (this.candidates === null) return this.makeSet(found)
    const key = candidates.length <= 30 ? mask : found.join(' ')
    let set = this.sets.get(key)
    if (set === undefined) {
      set = this.makeSet(found)
      // as many entries as distinct answers the routes can give; bounded all the same
      if (this.sets.size < MAX_CACHED_SETS) this.sets.set(key, set)
    }
    return set
  }

  private makeSet (found: string[]): AllowSet {
    const methods = this.autoOptions && !found.includes('OPTIONS') ? sortMethods([...found, 'OPTIONS']) : found
    return Object.freeze({ methods: Object.freeze(methods), header: methods.join(', '), json: JSON.stringify(methods) })
  }

  /** resolve() as a new array (the `allowedMethods` decorator, the OpenAPI export: hide functions count as visible). */
  allowed (url: string, derived: Derived, skip?: string): string[] | null {
    const set = this.resolve(url, derived, skip)
    return set === null ? null : [...set.methods]
  }

  /** Whether a route visible to this caller implements `method` (for the 501 of added methods). */
  implements (method: string, request?: FastifyRequest): boolean {
    return this.table.implements(method, request)
  }

  /** Every method the server implements for this caller (for `OPTIONS *`), in Allow order. */
  serverWide (request?: FastifyRequest): string[] {
    const methods = new Set(this.table.implemented(request))
    if (this.autoOptions) methods.add('OPTIONS')
    return sortMethods(methods)
  }
}

// find-my-way needs a handler; the shadow and pattern routers are only searched, never dispatched
/* c8 ignore next */
function noop (): void {}
