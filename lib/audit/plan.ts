import { sortMethods } from '../methods'
import type { ApiDocument, ApiPath } from '../openapi/document'
import { requestPath } from './params'
import type { Unsendable } from './params'
import { orderRequests } from './schedule'
import { templateRegExp } from '../openapi/paths'

/** The methods every documented path is probed with (Fastify's supported methods but CONNECT). */
export const STANDARD_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']
/** A registered HTTP method that (almost) no server implements: it must get 501, or 405. */
export const UNREGISTERED_METHOD = 'PURGE'
/** The methods sent to a path the document does not have. */
export const UNKNOWN_PATH_METHODS = ['GET', 'DELETE', 'OPTIONS']

/** One documented path and the requests it needs. */
export interface PathPlan {
  api: ApiPath
  /** The request path: prefix + the path with its parameters filled; as documented when unsendable. */
  url: string
  /** The methods sent to `url`; none when unsendable. */
  methods: string[]
  /**
   * Every documented path whose template matches `url`, `api` first: a router matches them all,
   * so the methods of `url` are theirs together (`/items/special` and `/items/{id}`).
   */
  templates: ApiPath[]
  /** Set when a path parameter has no value that satisfies its schema: nothing is sent. */
  unsendable?: Unsendable
}

export interface Plan {
  paths: PathPlan[]
  /** A path no documented path matches, and the methods to send there; undefined when a catch-all covers everything. */
  unknown: { url: string, methods: string[] } | undefined
  /** Every distinct request, in the order they will be sent (see schedule.ts). */
  requests: Array<{ method: string, url: string }>
  /** The methods the document has on any path (HEAD with GET, hidden ones included). */
  documentedMethods: Set<string>
}

/** A path that no documented path matches, or undefined when catch-alls cover them all. */
export function unknownPath (doc: ApiDocument, prefix: string): string | undefined {
  const templates = doc.paths.map(p => templateRegExp(p.path, prefix, true))
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

/** Every method `paths` document or hide, with HEAD wherever GET is. */
function documentedMethods (paths: ApiPath[]): Set<string> {
  const methods = new Set<string>()
  for (const path of paths) for (const method of [...path.methods, ...(path.hidden ?? [])]) methods.add(method)
  if (methods.has('GET')) methods.add('HEAD')
  return methods
}

/** Every request an audit of `doc` sends; `prefix` (no trailing slash) goes in front of every path. */
export function planAudit (doc: ApiDocument, prefix: string): Plan {
  const matchers = doc.paths.map(api => ({ api, regExp: templateRegExp(api.path, prefix) }))
  const paths: PathPlan[] = doc.paths.map(api => {
    const filled = requestPath(api)
    if ('unsendable' in filled) return { api, url: prefix + api.path, methods: [], templates: [api], unsendable: filled.unsendable }
    const url = prefix + filled.url
    const templates = [api, ...matchers.filter(m => m.api !== api && m.regExp.test(url)).map(m => m.api)]
    return { api, url, templates, methods: sortMethods([...STANDARD_METHODS, ...templates.flatMap(t => t.methods), UNREGISTERED_METHOD]) }
  })
  const unknownUrl = unknownPath(doc, prefix)
  const unknown = unknownUrl === undefined ? undefined : { url: unknownUrl, methods: UNKNOWN_PATH_METHODS }
  const wanted = paths.flatMap(p => p.methods.map(method => ({ method, url: p.url })))
  if (unknown !== undefined) wanted.push(...unknown.methods.map(method => ({ method, url: unknown.url })))
  const seen = new Set<string>()
  const distinct = wanted.filter(r => {
    const key = `${r.method} ${r.url}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
  return { paths, unknown, requests: orderRequests(distinct), documentedMethods: documentedMethods(doc.paths) }
}
