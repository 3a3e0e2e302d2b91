/**
 * Reading and extending OpenAPI 3.x and Swagger 2.0 documents. Nothing here mutates its input:
 * every object on the way to a change is copied.
 */

import { serverPath } from '../audit/document'

export type Json = Record<string, unknown>

export type DocumentKind = 'openapi3' | 'swagger2'

/** The operation fields of a Path Item (`query` is OpenAPI 3.2's, and what swagger emits for QUERY). */
export const OPERATION_FIELDS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace', 'query']

export function isObject (value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
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
