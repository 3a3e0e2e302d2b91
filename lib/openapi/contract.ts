import type { FastifyInstance } from 'fastify'
import { FST_ALLOWED_METHODS_CONTRACT_INVALID, FST_ALLOWED_METHODS_CONTRACT_MISMATCH } from '../errors'
import type { MethodTable } from '../method-table'
import { compareMethods } from '../methods'
import type { ResolvedOptions } from '../options'
import { normaliseDocument, readDocumentFile } from './document'
import type { ApiDocument } from './document'

/** One place where the routes and the document disagree. */
export interface ContractDifference {
  method: string
  /** The document's path (`/items/{id}`) or the route's pattern (`/items/:id`). */
  path: string
  kind: 'documented-not-served' | 'served-not-documented'
  message: string
}

/** The index of the `)` that closes the `(` at `start` (backslash escapes skipped, as find-my-way does). */
function closingParen (pattern: string, start: number): number {
  let depth = 0
  for (let i = start; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++
    else if (pattern[i] === '(') depth++
    else if (pattern[i] === ')' && --depth === 0) return i
  }
  return pattern.length
}

/**
 * The shape of a route pattern, parameter names left out: `/items/:id`, `/items/:id(^\\d+)` and
 * the document's `/items/{itemId}` are all `/items/{}`; a wildcard `*` is a parameter too.
 */
export function routeShape (pattern: string): string {
  let out = ''
  let i = 0
  while (i < pattern.length) {
    const char = pattern[i]
    if (char === ':' && pattern[i + 1] === ':') {
      out += ':' // `::` is a literal colon
      i += 2
    } else if (char === ':') {
      // a parameter: its name (up to `(`, `-`, `.`, `/`), an optional regexp, an optional `?`
      i++
      while (i < pattern.length && !'(-./?'.includes(pattern[i])) i++
      if (pattern[i] === '(') i = closingParen(pattern, i) + 1
      if (pattern[i] === '?') i++
      out += '{}'
    } else {
      out += char === '*' ? '{}' : char
      i++
    }
  }
  return out
}

/** The shape of a document path: `{name}` of any name is `{}`. */
export function documentShape (path: string): string {
  return path.replace(/\{[^}]*\}/g, '{}')
}

function routeShapes (url: string, prefixSlash: boolean): string[] {
  const shapes = [routeShape(url)]
  // `/items/:id?` also serves `/items`
  const optional = /\/:[^/]+\?$/.exec(url)
  if (optional !== null) shapes.push(routeShape(url.slice(0, optional.index)) || '/')
  if (prefixSlash) shapes.push(routeShape(url + '/'))
  return shapes
}

/**
 * Compares the routes with the document. HEAD is implied by GET (fastify's automatic HEAD, and
 * documents that leave HEAD out): a served HEAD is never reported where GET is served; a documented
 * HEAD must be served. OPTIONS is served on every path with a route while `autoOptions` is on, and
 * a served OPTIONS the document lacks is not reported (documents usually omit it). Routes hidden
 * from the docs (`schema.hide`, `config.allow.hide`, other plugins' catch-alls) need not be
 * documented, but they exist: a document that describes them is not told that no route serves them.
 */
export function compareContract (document: ApiDocument, table: MethodTable, autoOptions: boolean): ContractDifference[] {
  // every visible route pattern, with the path shapes it serves and its methods
  const routes = new Map<string, { shapes: string[], methods: Set<string> }>()
  for (const route of table.listedRoutes()) {
    if (route.schemaHidden) continue
    let entry = routes.get(route.url)
    if (entry === undefined) routes.set(route.url, entry = { shapes: routeShapes(route.url, route.prefixSlash), methods: new Set() })
    for (const method of route.methods) entry.methods.add(method)
  }
  const servedByShape = new Map<string, Set<string>>()
  for (const { shapes, methods } of routes.values()) {
    for (const shape of shapes) servedByShape.set(shape, new Set([...servedByShape.get(shape) ?? [], ...methods]))
  }
  // every route, hidden ones included: a documented method that a hidden route serves is served;
  // automatic OPTIONS answers only where a route is not hidden from Allow (a hidden-only URL is a 404)
  const existingByShape = new Map<string, Set<string>>()
  const optionsShapes = new Set<string>()
  for (const route of table.routes) {
    for (const shape of routeShapes(route.url, route.prefixSlash)) {
      let methods = existingByShape.get(shape)
      if (methods === undefined) existingByShape.set(shape, methods = new Set())
      for (const method of route.methods) methods.add(method)
      if (!route.hidden) optionsShapes.add(shape)
    }
  }
  const documented = new Map<string, { path: string, methods: Set<string> }>()
  for (const path of document.paths) {
    const full = document.basePath + path.path
    documented.set(documentShape(full), { path: full, methods: new Set(path.methods) })
  }

  const differences: ContractDifference[] = []
  for (const [shape, { path, methods }] of documented) {
    const served = existingByShape.get(shape)
    for (const method of methods) {
      if (served?.has(method) === true) continue
      if (method === 'OPTIONS' && autoOptions && optionsShapes.has(shape)) continue
      differences.push({ method, path, kind: 'documented-not-served', message: `${method} ${path} is in the document, but no route serves it` })
    }
  }
  for (const [pattern, { shapes, methods }] of routes) {
    for (const method of methods) {
      // fastify's automatic HEAD can sit on its own pattern (`/api/` for GET `/api` under a prefix)
      if (method === 'OPTIONS' || (method === 'HEAD' && shapes.some(shape => servedByShape.get(shape)?.has('GET') === true))) continue
      if (shapes.some(shape => documented.get(shape)?.methods.has(method) === true)) continue
      differences.push({ method, path: pattern, kind: 'served-not-documented', message: `${method} ${pattern} is served, but the document does not have it` })
    }
  }
  // by path shape, so that a route and the document's path for it sit together; then Allow order
  const shapeOf = (d: ContractDifference): string => d.kind === 'documented-not-served' ? documentShape(d.path) : routeShape(d.path)
  return differences.sort((a, b) => shapeOf(a).localeCompare(shapeOf(b)) || compareMethods(a.method, b.method))
}

/**
 * The `contract` option at `ready()` (the plugin loads this module only when it is given): returns
 * the error `ready()` must reject with (an invalid document, or differences in strict mode), or
 * undefined after logging each difference as a warning.
 */
export function checkContract (fastify: FastifyInstance, table: MethodTable, contract: NonNullable<ResolvedOptions['contract']>, autoOptions: boolean): Error | undefined {
  let document: ApiDocument
  try {
    document = normaliseDocument(typeof contract.document === 'string' ? readDocumentFile(contract.document) : contract.document)
  } catch (err) {
    const which = typeof contract.document === 'string' ? `in file ${contract.document}` : 'given as an object'
    return new FST_ALLOWED_METHODS_CONTRACT_INVALID(`${which} ${(err as Error).message}; pass an OpenAPI 3.x or Swagger 2.0 document object, or the path of a JSON or YAML file holding one`)
  }
  return reportDifferences(fastify, compareContract(document, table, autoOptions), contract.strict,
    'Update the document or the routes (without `strict: true` these are warnings).')
}

/**
 * Strict: the error `ready()` rejects with, listing every difference, then `fix`. Otherwise each
 * difference is logged as a warning (naming `where` the document comes from, when given).
 */
export function reportDifferences (fastify: FastifyInstance, differences: ContractDifference[], strict: boolean, fix: string, where?: string): Error | undefined {
  if (differences.length === 0) return undefined
  if (strict) return new FST_ALLOWED_METHODS_CONTRACT_MISMATCH(differences.map(d => `  - ${d.message}`).join('\n') + '\n' + fix)
  const suffix = where === undefined ? '' : ` (${where})`
  for (const d of differences) fastify.log.warn({ method: d.method, path: d.path, contract: d.kind }, `fastify-allowed-methods: ${d.message}${suffix}`)
  return undefined
}
