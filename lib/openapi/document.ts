/**
 * The OpenAPI reader: JSON or YAML text and files, Swagger 2.0 and OpenAPI 3.0/3.1/3.2, local
 * `$ref`s, servers and basePath, operations, path parameters and their schemas. The export
 * (augment.ts), the contract check (contract.ts), the static-mode check and the audit all read
 * documents through it. Nothing here mutates its input: every object on the way to a change is copied.
 */

import { readFileSync, statSync } from 'node:fs'
import type YAML from 'yaml'
import { sortMethods } from '../methods'

export type Json = Record<string, unknown>

export type DocumentKind = 'openapi3' | 'swagger2'

/** The operation fields of a Path Item (`query` is OpenAPI 3.2's, and what swagger emits for QUERY). */
export const OPERATION_FIELDS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace', 'query']

export function isObject (value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Raised by the reader; callers wrap it in their own coded error. */
export class DocumentError extends Error {
  override name = 'DocumentError'
}

/** `openapi3`, `swagger2`, or null for anything else (left alone). */
export function documentKind (doc: unknown): DocumentKind | null {
  if (!isObject(doc)) return null
  if (typeof doc.openapi === 'string' && doc.openapi.startsWith('3.')) return 'openapi3'
  if (doc.swagger === '2.0') return 'swagger2'
  return null
}

/** The operations of a Path Item by upper-case method, OpenAPI 3.2 `additionalOperations` included. */
export function operationsOf (item: Json): Map<string, Json> {
  const out = new Map<string, Json>()
  for (const field of OPERATION_FIELDS) {
    const op = item[field]
    if (isObject(op)) out.set(field.toUpperCase(), op)
  }
  if (isObject(item.additionalOperations)) {
    for (const [method, op] of Object.entries(item.additionalOperations)) {
      if (isObject(op)) out.set(method.toUpperCase(), op)
    }
  }
  return out
}

function pathParameters (item: Json): Json[] {
  const out: Json[] = []
  const lists = [item.parameters, ...[...operationsOf(item).values()].map(op => op.parameters)]
  for (const list of lists) {
    if (!Array.isArray(list)) continue
    for (const p of list) if (isObject(p) && p.in === 'path' && typeof p.name === 'string') out.push(p)
  }
  return out
}

function hintValues (param: Json): unknown[] {
  const schema = isObject(param.schema) ? param.schema : param
  const values: unknown[] = [param.example, param['x-example'], schema.example, schema.default, schema.const]
  if (isObject(param.examples)) {
    for (const ex of Object.values(param.examples)) if (isObject(ex)) values.push(ex.value)
  }
  for (const list of [schema.examples, schema.enum]) if (Array.isArray(list)) values.push(...list)
  return values
}

/** Values the document gives for each path parameter (examples, defaults, enums), to fill its URLs. */
export function parameterHints (item: Json): Map<string, string[]> {
  const hints = new Map<string, string[]>()
  for (const param of pathParameters(item)) {
    const list = hints.get(param.name as string) ?? []
    for (const v of hintValues(param)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') list.push(String(v))
    }
    hints.set(param.name as string, list)
  }
  return hints
}

/**
 * The path prefixes the document's path keys may be relative to: OpenAPI 3 server URLs (variables
 * at their defaults) or Swagger 2.0 `basePath`; then '' for keys that carry the whole path.
 */
export function basePaths (doc: Json, kind: DocumentKind): string[] {
  const bases: string[] = []
  const servers = kind === 'swagger2'
    ? [{ url: doc.basePath }]
    : Array.isArray(doc.servers) ? doc.servers as unknown[] : []
  for (const server of servers) {
    if (!isObject(server) || typeof server.url !== 'string') continue
    try {
      bases.push(serverPath(server.url, server.variables))
    } catch {
      // not a URL: swagger cannot strip it from the paths either
    }
  }
  return [...new Set([...bases, ''])]
}

/** One documented operation. */
export interface ApiOperation {
  method: string
  /** Its response keys (`200`, `404`, `4XX`, `default`). */
  responses: string[]
  /** For an OPTIONS operation: the Allow value its 2xx response documents (an `enum`/`const` of one string). */
  allow?: string[]
  /**
   * The media types its request body may have: the keys of `requestBody.content` (3.x), or the
   * `consumes` of the operation or the document for an operation with a body or form parameter
   * (2.0). Absent when the operation documents no body.
   */
  bodyTypes?: string[]
}

/** The media types of an operation's request body (see ApiOperation.bodyTypes). */
function documentedBodyTypes (doc: Json, operation: Json): string[] | undefined {
  const body = resolveRef(doc, operation.requestBody)
  if (isObject(body) && isObject(body.content)) {
    const types = Object.keys(body.content)
    return types.length > 0 ? types : undefined
  }
  const params = Array.isArray(operation.parameters) ? operation.parameters.map(p => resolveRef(doc, p)) : []
  if (!params.some(p => isObject(p) && (p.in === 'body' || p.in === 'formData'))) return undefined
  const consumes = Array.isArray(operation.consumes) ? operation.consumes : doc.consumes
  const types = Array.isArray(consumes) ? consumes.filter((t): t is string => typeof t === 'string') : []
  return types.length > 0 ? types : undefined
}

/** One documented path, normalised. */
export interface ApiPath {
  /** The key of `paths` (`/items/{id}`). */
  path: string
  /** Documented methods, upper case, in Allow order. */
  methods: string[]
  operations: Map<string, ApiOperation>
  /** Path parameters by name: every definition found (path level first, then per operation), refs resolved. */
  parameters: Map<string, Json[]>
  /**
   * Methods that routes hidden with `config.allow.hide: true` serve on this path, left out of the
   * document on purpose: known only from the mark (HIDDEN_OPERATIONS) on the document object that
   * fastify-allowed-methods returns from `app.swagger()`. Upper case; absent when none.
   */
  hidden?: string[]
}

/** An OpenAPI 3.x or Swagger 2.0 document reduced to what the method contract needs. */
export interface ApiDocument {
  /** `OpenAPI 3.1.0`, `Swagger 2.0`. */
  version: string
  title?: string
  /** The path of `servers[0].url` (variables at their defaults) or `basePath`, without a trailing slash. */
  basePath: string
  paths: ApiPath[]
}

/**
 * The mark fastify-allowed-methods leaves on the document object it returns from swagger's
 * decorator: `{ [path key]: methods }`, the operations of `config.allow.hide: true` routes it left
 * out. A non-enumerable symbol-keyed property: JSON, YAML and structuredClone copies do not carry it.
 */
export const HIDDEN_OPERATIONS = Symbol.for('fastify-allowed-methods.hidden')

function firstLine (text: string): string {
  return text.split('\n')[0]
}

/**
 * YAML aliases allowed per anchor (yaml counts each use times the aliases nested in what it
 * names): real documents reuse a response or schema hundreds of times, well below this; an alias
 * bomb (aliases of aliases, growing exponentially) passes it within a few levels and is refused.
 */
export const YAML_ALIAS_LIMIT = 10_000

/** Names the size limit and how to raise it: a document is refused whole, never cut. */
export function tooLargeMessage (limit: number): string {
  const mib = limit / (1024 * 1024)
  const size = Number.isInteger(mib) ? `${mib} MiB (${limit} bytes)` : `${limit} bytes`
  return `is larger than the limit of ${size}; raise it with --max-document-size <bytes> (the maxDocumentSize option of audit())`
}

/**
 * Parses JSON or YAML text (a UTF-8 byte order mark is skipped). Every DocumentError of this
 * module completes the sentence "the document <source> ...".
 */
export function parseDocumentText (text: string): unknown {
  const source = text.charCodeAt(0) === 0xFEFF ? text.slice(1) : text
  try {
    if (source.trimStart().startsWith('{')) return JSON.parse(source)
    // YAML is loaded by the first document that is not JSON
    return (require('yaml') as typeof YAML).parse(source, { maxAliasCount: YAML_ALIAS_LIMIT })
  } catch (err) {
    if (err instanceof ReferenceError && /alias count/i.test(err.message)) {
      throw new DocumentError(`has YAML aliases that expand more than ${YAML_ALIAS_LIMIT} times for one anchor: refused as a possible alias bomb (resource exhaustion); expand the aliases or convert the document to JSON`)
    }
    throw new DocumentError(`is neither valid JSON nor valid YAML: ${firstLine((err as Error).message)}`)
  }
}

/**
 * Reads and parses a JSON or YAML file (relative paths from the working directory); a file over
 * `maxBytes` is refused before it is read.
 */
export function readDocumentFile (file: string, maxBytes = Infinity): unknown {
  let text: string
  try {
    if (statSync(file).size > maxBytes) throw new DocumentError(tooLargeMessage(maxBytes))
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if (err instanceof DocumentError) throw err
    throw new DocumentError(`could not be read (${String((err as NodeJS.ErrnoException).code)})`)
  }
  return parseDocumentText(text)
}

/** One JSON-pointer token of a URI fragment (`~1users~1%7Bid%7D` is `/users/{id}`). */
function unescapePointer (token: string): string {
  let decoded = token
  try {
    decoded = decodeURIComponent(token)
  } catch {
    // a stray % that is not an escape: keep the token as written
  }
  return decoded.replace(/~1/g, '/').replace(/~0/g, '~')
}

/** Follows local `$ref`s (`#/components/...`); anything else comes back as it is. */
export function resolveRef (doc: Json, node: unknown): unknown {
  let current = node
  for (let hops = 0; isObject(current) && typeof current.$ref === 'string'; hops++) {
    const ref = current.$ref
    if (!ref.startsWith('#/') || hops === 32) return current
    let target: unknown = doc
    for (const token of ref.slice(2).split('/')) {
      const key = unescapePointer(token)
      target = isObject(target) ? target[key] : undefined
    }
    if (target === undefined) throw new DocumentError(`has a $ref to ${ref}, which does not exist`)
    current = target
  }
  return current
}

/** The path of a server URL: variables replaced by their defaults, no trailing slash, `''` for the root. */
export function serverPath (url: string, variables: unknown): string {
  const filled = url.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const variable = isObject(variables) ? variables[name] : undefined
    return isObject(variable) && variable.default !== undefined ? String(variable.default) : ''
  })
  let path: string
  try {
    path = new URL(filled, 'http://relative.invalid/').pathname
  } catch {
    throw new DocumentError(`has a server URL ${JSON.stringify(url)} that is not a valid URL`)
  }
  return path.replace(/\/+$/, '')
}

function documentVersion (doc: Json): { version: string, basePath: string } {
  if (doc.swagger === '2.0') {
    return { version: 'Swagger 2.0', basePath: typeof doc.basePath === 'string' ? serverPath(doc.basePath, undefined) : '' }
  }
  if (typeof doc.openapi === 'string' && /^3\.[0-2]\.\d+/.test(doc.openapi)) {
    const servers = Array.isArray(doc.servers) ? doc.servers : []
    const first: unknown = servers[0]
    const basePath = isObject(first) && typeof first.url === 'string' ? serverPath(first.url, first.variables) : ''
    return { version: `OpenAPI ${doc.openapi}`, basePath }
  }
  throw new DocumentError('is not an OpenAPI 3.0/3.1/3.2 or Swagger 2.0 document (it needs "openapi": "3.x.y" or "swagger": "2.0")')
}

/** The Allow value an OPTIONS operation documents on its first 2xx response, if any. */
function documentedAllow (doc: Json, responses: Json): string[] | undefined {
  for (const code of Object.keys(responses)) {
    if (!/^2(\d\d|XX)$/i.test(code)) continue
    const response = resolveRef(doc, responses[code])
    const headers = isObject(response) ? response.headers : undefined
    if (!isObject(headers)) continue
    const name = Object.keys(headers).find(key => key.toLowerCase() === 'allow')
    if (name === undefined) continue
    const header = resolveRef(doc, headers[name])
    if (!isObject(header)) continue
    const schema = isObject(header.schema) ? resolveRef(doc, header.schema) as Json : header
    const value = Array.isArray(schema.enum) && schema.enum.length === 1 ? schema.enum[0] : schema.const
    if (typeof value === 'string') return value.split(',').map(m => m.trim().toUpperCase()).filter(m => m.length > 0)
  }
  return undefined
}

/** The sentence for a `$ref` to another file: the audit reads one file, bundled. */
function bundleFirst (what: string, ref: string): DocumentError {
  return new DocumentError(`has ${what} that refers to ${ref}: bundle external references into one file first (for example with \`redocly bundle\`)`)
}

/** Resolves a local `$ref`; one to another file (what `resolveRef` leaves as it is) is refused, naming `what`. */
function resolveLocal (doc: Json, node: unknown, what: string): unknown {
  const resolved = resolveRef(doc, node)
  if (isObject(resolved) && typeof resolved.$ref === 'string') throw bundleFirst(what, resolved.$ref)
  return resolved
}

/**
 * A parameter schema with its local `$ref`s followed: the schema itself and its `allOf` members
 * (what parameter values are generated from, see params.ts), a few levels deep.
 */
function resolveSchema (doc: Json, schema: unknown, what: string, depth = 0): unknown {
  const resolved = resolveLocal(doc, schema, what)
  if (!isObject(resolved) || !Array.isArray(resolved.allOf) || depth === 8) return resolved
  return { ...resolved, allOf: resolved.allOf.map(member => resolveSchema(doc, member, what, depth + 1)) }
}

/** A path parameter with the `$ref`s of its schema (3.x `schema` or `content.*.schema`) followed. */
function withSchemas (doc: Json, param: Json, what: string): Json {
  if (isObject(param.schema)) return { ...param, schema: resolveSchema(doc, param.schema, what) }
  if (!isObject(param.content)) return param
  const content: Json = {}
  for (const [type, media] of Object.entries(param.content)) {
    content[type] = isObject(media) && isObject(media.schema) ? { ...media, schema: resolveSchema(doc, media.schema, what) } : media
  }
  return { ...param, content }
}

function collectPathParameters (doc: Json, list: unknown, into: Map<string, Json[]>, where: string): void {
  if (!Array.isArray(list)) return
  for (const raw of list) {
    const resolved = resolveLocal(doc, raw, `a parameter of ${where}`)
    if (!isObject(resolved) || resolved.in !== 'path' || typeof resolved.name !== 'string') continue
    const name = resolved.name
    const param = withSchemas(doc, resolved, `the schema of path parameter ${name} of ${where}`)
    const known = into.get(name)
    if (known === undefined) into.set(name, [param])
    else known.push(param)
  }
}

function normalisePath (doc: Json, key: string, raw: unknown): ApiPath {
  const item = resolveRef(doc, raw)
  if (!isObject(item)) throw new DocumentError(`has a path ${key} that is not an object`)
  if (typeof item.$ref === 'string') throw bundleFirst(`a path ${key}`, item.$ref)
  const operations = new Map<string, ApiOperation>()
  const parameters = new Map<string, Json[]>()
  collectPathParameters(doc, item.parameters, parameters, key)
  const entries: Array<[string, unknown]> = OPERATION_FIELDS.filter(k => item[k] !== undefined).map(k => [k.toUpperCase(), item[k]])
  // OpenAPI 3.2: operations for other methods, keyed by the exact method name
  if (isObject(item.additionalOperations)) {
    for (const name of Object.keys(item.additionalOperations)) entries.push([name.toUpperCase(), item.additionalOperations[name]])
  }
  for (const [method, value] of entries) {
    const operation = resolveLocal(doc, value, `a ${method} operation on ${key}`)
    if (!isObject(operation)) throw new DocumentError(`has a ${method} operation on ${key} that is not an object`)
    collectPathParameters(doc, operation.parameters, parameters, `${method} ${key}`)
    const responses = isObject(operation.responses) ? operation.responses : {}
    const entry: ApiOperation = { method, responses: Object.keys(responses) }
    const allow = method === 'OPTIONS' ? documentedAllow(doc, responses) : undefined
    if (allow !== undefined) entry.allow = allow
    const bodyTypes = method === 'PATCH' || method === 'POST' ? documentedBodyTypes(doc, operation) : undefined
    if (bodyTypes !== undefined) entry.bodyTypes = bodyTypes
    operations.set(method, entry)
  }
  return { path: key, methods: sortMethods(operations.keys()), operations, parameters }
}

/**
 * Checks that `input` is an OpenAPI 3.x or Swagger 2.0 document and reduces it to paths and
 * methods. Throws DocumentError with a reason that completes "the document ...".
 */
export function normaliseDocument (input: unknown): ApiDocument {
  if (!isObject(input)) throw new DocumentError('is not an object')
  const { version, basePath } = documentVersion(input)
  const paths = input.paths ?? {}
  if (!isObject(paths)) throw new DocumentError('has a "paths" member that is not an object')
  const out: ApiPath[] = []
  const marked = (input as Record<symbol, unknown>)[HIDDEN_OPERATIONS]
  for (const key of Object.keys(paths)) {
    if (key.startsWith('x-')) continue
    if (!key.startsWith('/')) throw new DocumentError(`has a path ${JSON.stringify(key)} that does not start with "/"`)
    const path = normalisePath(input, key, paths[key])
    const hidden = isObject(marked) && Object.hasOwn(marked, key) ? marked[key] : undefined
    if (Array.isArray(hidden)) {
      const methods = hidden.filter((m): m is string => typeof m === 'string').map(m => m.toUpperCase()).filter(m => !path.operations.has(m))
      if (methods.length > 0) path.hidden = methods
    }
    out.push(path)
  }
  const info = input.info
  const title = isObject(info) && typeof info.title === 'string' ? info.title : undefined
  return { version, ...(title === undefined ? {} : { title }), basePath, paths: out }
}

/** The schema of a parameter: OpenAPI 3 `schema` or `content.*.schema`; Swagger 2.0 keeps it on the parameter. */
export function schemaOf (param: Json): Json {
  if (isObject(param.schema)) return param.schema
  if (isObject(param.content)) {
    const media = Object.values(param.content)[0]
    if (isObject(media) && isObject(media.schema)) return media.schema
  }
  return param
}
