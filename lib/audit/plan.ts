import { sortMethods } from '../methods'
import type { ApiDocument, ApiPath } from './document'
import { fillPath } from './params'

/** The methods every documented path is probed with (Fastify's supported methods but CONNECT). */
export const STANDARD_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']
/** A registered HTTP method that (almost) no server implements: it must get 501, or 405. */
export const UNREGISTERED_METHOD = 'PURGE'
/** The methods sent to a path the document does not have. */
export const UNKNOWN_PATH_METHODS = ['GET', 'DELETE', 'OPTIONS']

/** One documented path and the requests it needs. */
export interface PathPlan {
  api: ApiPath
  /** The request path: prefix + the path with its parameters filled. */
  url: string
  methods: string[]
}

export interface Plan {
  paths: PathPlan[]
  /** A path no documented path matches, and the methods to send there; undefined when a catch-all covers everything. */
  unknown: { url: string, methods: string[] } | undefined
  /** Every distinct request, in the order they will be sent. */
  requests: Array<{ method: string, url: string }>
}

function templateRegExp (template: string): RegExp {
  const pattern = template.split(/(\{[^}]*\})/).map(part => {
    if (part === '{*}') return '.*'
    if (part.startsWith('{') && part.endsWith('}')) return '[^/]+'
    return part.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&')
  }).join('')
  return new RegExp(`^${pattern}/?$`)
}

/** A path that no documented path matches, or undefined when catch-alls cover them all. */
export function unknownPath (doc: ApiDocument, prefix: string): string | undefined {
  const templates = doc.paths.map(p => templateRegExp(prefix + p.path))
  const candidates = [
    '/fastify-allowed-methods-audit-404',
    '/fastify-allowed-methods-audit-404/no/such/path/here'
  ].map(path => prefix + path)
  return candidates.find(candidate => !templates.some(re => re.test(candidate)))
}

/** The request path prefix: the base URL's path, then the document's server path unless the base URL already ends with it. */
export function requestPrefix (basePrefix: string, documentBase: string): string {
  return basePrefix.endsWith(documentBase) ? basePrefix : basePrefix + documentBase
}

/** Every request an audit of `doc` sends; `prefix` (no trailing slash) goes in front of every path. */
export function planAudit (doc: ApiDocument, prefix: string): Plan {
  const paths: PathPlan[] = doc.paths.map(api => ({
    api,
    url: prefix + fillPath(api),
    methods: sortMethods([...STANDARD_METHODS, ...api.methods, UNREGISTERED_METHOD])
  }))
  const unknownUrl = unknownPath(doc, prefix)
  const unknown = unknownUrl === undefined ? undefined : { url: unknownUrl, methods: UNKNOWN_PATH_METHODS }
  const seen = new Set<string>()
  const requests: Plan['requests'] = []
  const add = (method: string, url: string): void => {
    const key = `${method} ${url}`
    if (seen.has(key)) return
    seen.add(key)
    requests.push({ method, url })
  }
  for (const p of paths) for (const method of p.methods) add(method, p.url)
  if (unknown !== undefined) for (const method of unknown.methods) add(method, unknown.url)
  return { paths, unknown, requests }
}
