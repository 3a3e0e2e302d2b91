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
   * A hidden catch-all another plugin registers: `OPTIONS *` (@fastify/cors), or a wildcard that
   * only GET and HEAD have (@fastify/static's `prefix/*`). Their `schema.hide` cannot be read.
   */
  catchAll: boolean
}

const EMPTY_TREE = '(empty tree)'
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
export function parseRouteTree (tree: string): Array<{ url: string, constraints: Record<string, unknown> | undefined }> {
  const routes: Array<{ url: string, constraints: Record<string, unknown> | undefined }> = []
  const stack: string[] = []
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
    stack.push(key)
    if (data !== null) routes.push({ url: stack.join(''), constraints: reviveConstraints(data[2]?.slice(1)) })
  }
  return routes
}

/** Every route fastify holds now, one entry per (method, path, constraints). */
export function readPriorRoutes (fastify: FastifyInstance): PriorRoute[] {
  if (fastify.printRoutes() === EMPTY_TREE) return []
  const byMethod = new Map<string, ReturnType<typeof parseRouteTree>>()
  for (const method of fastify.supportedMethods) {
    const tree = fastify.printRoutes({ method })
    if (tree !== EMPTY_TREE) byMethod.set(method, parseRouteTree(tree))
  }
  // a wildcard served for GET (and HEAD) only is how @fastify/static registers its hidden
  // `prefix/*`; http-proxy's wildcards carry every proxied method and stay visible
  const wildcardMethods = new Map<string, Set<string>>()
  for (const [method, routes] of byMethod) {
    for (const { url } of routes) {
      if (!url.endsWith('*')) continue
      const methods = wildcardMethods.get(url) ?? new Set<string>()
      methods.add(method)
      wildcardMethods.set(url, methods)
    }
  }
  const staticLike = (url: string): boolean => {
    const methods = wildcardMethods.get(url)
    return methods !== undefined && methods.has('GET') && [...methods].every(m => m === 'GET' || m === 'HEAD')
  }
  const prior: PriorRoute[] = []
  for (const [method, routes] of byMethod) {
    for (const { url, constraints } of routes) {
      const catchAll = (method === 'OPTIONS' && url === '*') || staticLike(url)
      prior.push({ method, url, constraints, catchAll })
    }
  }
  return prior
}
