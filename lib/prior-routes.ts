import type { FastifyInstance } from 'fastify'

/**
 * Routes added before this plugin never reached its onRoute hook (fastify-metrics' `/metrics`,
 * under-pressure's `/status`, http-proxy, autoload'ed folders, cors, static...). Allow never needed
 * them (it asks fastify's router), but the method table, the candidate methods and the hidden
 * catch-alls do. fastify has one public listing of its routes: `printRoutes({ method })`, a tree
 * per method. This module reads them back from it.
 */
export interface PriorRoute {
  method: string
  /** The route's path as find-my-way stores it (`/items/:id`, `/public/*`, `*`). */
  url: string
  constraints: Record<string, unknown> | undefined
  /**
   * A hidden catch-all another plugin registers: `OPTIONS *` (@fastify/cors), or a root `/*` that
   * only GET and HEAD have (@fastify/static at the root). Their `schema.hide` cannot be read.
   */
  catchAll: boolean
}

/** One route read from a tree; `sharedParam`: a parameter node on its path named several ways (`:id|:name`). */
export interface ParsedRoute {
  url: string
  constraints: Record<string, unknown> | undefined
  sharedParam: boolean
}

const EMPTY_TREE = '(empty tree)'
/** A plain parameter (no regex) in a find-my-way path, as its parser delimits it. */
const PLAIN_PARAM = /:([^/.\-:(]+)/g
const INDENTS = new Set(['│   ', '    '])
const BRANCHES = new Set(['├── ', '└── '])
/** ` (GET)` or ` (GET) {"version":"1.0.0"}` at the end of a line: the route data of a node. */
const ROUTE_DATA = / \(([A-Z0-9!#$%&'*+.^_`|~-]+(?:, [A-Z0-9!#$%&'*+.^_`|~-]+)*)\)( \{.*\})?$/

/** find-my-way prints a RegExp constraint as its source string: make it a RegExp again. */
function reviveConstraints (json: string | undefined): Record<string, unknown> | undefined {
  if (json === undefined) return undefined
  const parsed = JSON.parse(json) as Record<string, unknown>
  for (const [name, value] of Object.entries(parsed)) {
    const m = typeof value === 'string' ? /^\/(.*)\/([a-z]*)$/s.exec(value) : null
    if (m !== null) parsed[name] = new RegExp(m[1] as string, m[2])
  }
  return parsed
}

/**
 * Parses one `printRoutes({ method })` tree (find-my-way's pretty printer with common prefixes):
 * a node's path is the concatenation of its ancestors' keys; a node holding several routes
 * (constraints) prints each further one on a line of its own, at the depth of its children and
 * without a branch glyph. A parametric node shared by several parameter names prints them joined
 * by `|`: the first one is kept.
 */
export function parseRouteTree (tree: string): ParsedRoute[] {
  const routes: ParsedRoute[] = []
  const stack: string[] = []
  const shared: boolean[] = []
  for (const line of tree.split('\n')) {
    if (line === '' || line === EMPTY_TREE) continue
    let depth = 0
    while (INDENTS.has(line.slice(depth * 4, depth * 4 + 4))) depth++
    let rest: string
    if (BRANCHES.has(line.slice(depth * 4, depth * 4 + 4))) {
      rest = line.slice(depth * 4 + 4)
    } else {
      depth -= 1 // a further route of the node above: its key again, then its data
      rest = line.slice(depth * 4 + 4)
    }
    const data = ROUTE_DATA.exec(rest)
    let key = data === null ? rest : rest.slice(0, data.index)
    if (key === '(empty root node)') key = ''
    const bar = key.startsWith(':') ? key.indexOf('|') : -1
    if (bar !== -1) key = key.slice(0, bar)
    stack.length = depth
    shared.length = depth
    stack.push(key)
    shared.push(bar !== -1)
    if (data !== null) routes.push({ url: stack.join(''), constraints: reviveConstraints(data[2]?.slice(1)), sharedParam: shared.includes(true) })
  }
  return routes
}

/**
 * The parameter names of a route on a node that several names share: a real lookup of a sample URL
 * says which names this route's handler receives (only for plain parameters and constraints that
 * are strings; otherwise the first name stays).
 */
function realParamNames (fastify: FastifyInstance, method: string, route: ParsedRoute): string {
  const names = [...route.url.matchAll(PLAIN_PARAM)]
  const constraints = route.constraints ?? {}
  if (names.length === 0 || route.url.includes('(') || !Object.values(constraints).every(v => typeof v === 'string')) return route.url
  const sample = route.url.replace(PLAIN_PARAM, 'p')
  const found = fastify.findRoute({ method, url: sample, constraints } as Parameters<FastifyInstance['findRoute']>[0])
  const real = found === null ? [] : Object.keys(found.params as Record<string, string>)
  if (real.length !== names.length) return route.url
  let i = 0
  return route.url.replace(PLAIN_PARAM, () => ':' + (real[i++] as string))
}

/** Every route fastify holds now, one entry per (method, path, constraints). */
export function readPriorRoutes (fastify: FastifyInstance): PriorRoute[] {
  if (fastify.printRoutes() === EMPTY_TREE) return []
  const byMethod = new Map<string, ParsedRoute[]>()
  for (const method of fastify.supportedMethods) {
    const tree = fastify.printRoutes({ method })
    if (tree === EMPTY_TREE) continue
    const routes = parseRouteTree(tree)
    for (const route of routes) if (route.sharedParam) route.url = realParamNames(fastify, method, route)
    byMethod.set(method, routes)
  }
  // a root wildcard served for GET (and HEAD) only is how @fastify/static registers its hidden
  // `/*`; treated as visible, it would turn every unknown URL into a 405. A wildcard under a prefix
  // (static's `prefix/*`, a GET-only proxy, an app's own) is a real route: it counts.
  // (cors' `OPTIONS *` is recognised on its own)
  const rootWildcard = (url: string): boolean => url === '/*' || url === '*'
  const wildcardMethods = [...byMethod].filter(([m, routes]) => m !== 'OPTIONS' && routes.some(r => rootWildcard(r.url))).map(([m]) => m)
  const staticLike = wildcardMethods.includes('GET') && wildcardMethods.every(m => m === 'GET' || m === 'HEAD')
  const prior: PriorRoute[] = []
  for (const [method, routes] of byMethod) {
    for (const { url, constraints } of routes) {
      const catchAll = method === 'OPTIONS' ? url === '*' : staticLike && rootWildcard(url)
      prior.push({ method, url, constraints, catchAll })
    }
  }
  return prior
}

/** How many route paths the warning names. */
const NAMED_PRIOR_ROUTES = 20

/** The one warning naming the routes added before the plugin, whose `config.allow` cannot be read; null if there are none. */
export function priorRoutesWarning (prior: PriorRoute[]): string | null {
  const byUrl = new Map<string, string[]>()
  for (const route of prior) {
    if (route.catchAll) continue
    const methods = byUrl.get(route.url)
    if (methods === undefined) byUrl.set(route.url, [route.method])
    else if (!methods.includes(route.method)) methods.push(route.method)
  }
  if (byUrl.size === 0) return null
  const named = [...byUrl].slice(0, NAMED_PRIOR_ROUTES).map(([url, methods]) => `${methods.join(', ')} ${url}`)
  const more = byUrl.size > NAMED_PRIOR_ROUTES ? ` and ${byUrl.size - NAMED_PRIOR_ROUTES} more` : ''
  return `fastify-allowed-methods: ${byUrl.size} route path(s) were added before the plugin was registered: ` +
    `${named.join('; ')}${more}. They are handled (Allow, 405, OPTIONS, methodTable()), but their config.allow ` +
    'cannot be read, so none of them is hidden. Register the plugin before them to hide any.'
}
