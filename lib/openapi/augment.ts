import type { ProblemOptions, ResponseRefs } from './components'
import { addComponents } from './components'
import type { DocumentKind, Json } from './document'
import { HIDDEN_OPERATIONS, OPERATION_FIELDS, isObject, operationsOf } from './document'
import type { PathAllow } from './path-allow'
import { paramNames, parsePathKey } from './paths'

export interface AugmentOptions extends ProblemOptions {
  autoOptions: boolean
  notImplemented: boolean
  /** `fastify.supportedMethods`: a path whose Allow holds them all never answers 405. */
  supportedMethods: readonly string[]
}

/** Finds what the server answers for a documented path (null: nothing of ours to say about it). */
export type ResolvePath = (key: string, item: Json) => (PathAllow & { optionsHeaders: Array<[string, string]> }) | null

interface Plan { key: string, item: Json, allow: string[], addOptions: boolean, add405: boolean, optionsHeaders: Array<[string, string]> }

/** How the `options` operations document the headers of lib/options-extras.ts. */
const EXTRA_HEADERS: Record<string, { name: string, description: string }> = {
  'accept-patch': { name: 'Accept-Patch', description: 'The media types a PATCH request body may have here (RFC 5789 section 3.1)' },
  'accept-post': { name: 'Accept-Post', description: 'The media types a POST request body may have here (W3C Linked Data Platform)' },
  link: { name: 'Link', description: 'The machine-readable description of this API: `rel="service-desc"` (RFC 8631)' }
}

/** `optionsUsersId` for `/users/{id}`: letters and digits only, unique in the document. */
function operationId (key: string, taken: Set<string>): string {
  const words = key.split(/[^A-Za-z0-9]+/).filter(w => w !== '')
  const base = 'options' + (words.length === 0 ? 'Root' : words.map(w => w[0].toUpperCase() + w.slice(1)).join(''))
  let id = base
  for (let i = 2; taken.has(id); i++) id = base + String(i)
  taken.add(id)
  return id
}

function takenOperationIds (paths: Json): Set<string> {
  const taken = new Set<string>()
  for (const item of Object.values(paths)) {
    if (!isObject(item)) continue
    for (const op of operationsOf(item).values()) if (typeof op.operationId === 'string') taken.add(op.operationId)
  }
  return taken
}

/** The path parameters of an OPTIONS operation: those the path's other operations declare, else plain strings. */
function pathParameters (key: string, item: Json, kind: DocumentKind): Json[] {
  // null: declared on the Path Item, so it applies to the new operation as it is
  const declared = new Map<string, Json | null>()
  const lists = [item.parameters, ...[...operationsOf(item).values()].map(op => op.parameters)]
  lists.forEach((list, i) => {
    if (!Array.isArray(list)) return
    for (const p of list) {
      if (isObject(p) && p.in === 'path' && typeof p.name === 'string' && !declared.has(p.name)) declared.set(p.name, i === 0 ? null : p)
    }
  })
  const out: Json[] = []
  for (const name of paramNames(parsePathKey(key))) {
    const found = declared.get(name)
    if (found === undefined) {
      out.push(kind === 'swagger2'
        ? { name, in: 'path', required: true, type: 'string' }
        : { name, in: 'path', required: true, schema: { type: 'string' } })
    } else if (found !== null) {
      out.push({ ...found })
    }
  }
  return out
}

function optionsOperation (plan: Plan, kind: DocumentKind, refs: ResponseRefs, taken: Set<string>): Json {
  const value = plan.allow.join(', ')
  const description = `Exactly the methods of this path: \`${value}\`.`
  const header = kind === 'swagger2'
    ? { type: 'string', enum: [value], description }
    : { description, schema: { type: 'string', enum: [value] } }
  const headers: Json = { Allow: header }
  for (const [name, headerValue] of plan.optionsHeaders) {
    const { name: documented, description: what } = EXTRA_HEADERS[name]
    const text = `${what}: \`${headerValue}\`.`
    headers[documented] = kind === 'swagger2'
      ? { type: 'string', enum: [headerValue], description: text }
      : { description: text, schema: { type: 'string', enum: [headerValue] } }
  }
  const responses: Json = {
    204: { description: 'No Content: `Allow` lists the methods this path supports.', headers },
    ...refs
  }
  const op: Json = {
    summary: `Allowed methods: ${value}`,
    description: 'Answered by fastify-allowed-methods with `204 No Content` and the `Allow` header: the methods ' +
      'this path supports, HEAD where it is served. Any other method gets `405 Method Not Allowed`.',
    operationId: operationId(plan.key, taken)
  }
  const tagged = [...operationsOf(plan.item).values()].find(o => Array.isArray(o.tags))
  if (tagged !== undefined) op.tags = [...tagged.tags as unknown[]]
  const parameters = pathParameters(plan.key, plan.item, kind)
  if (parameters.length > 0) op.parameters = parameters
  if (kind === 'swagger2' && Object.keys(refs).length > 0) op.produces = ['application/problem+json']
  op.responses = responses
  return op
}

/** The operation with `refs` added to its responses, where it declares nothing for that status. */
function withRefs (op: Json, refs: ResponseRefs): Json {
  const original = isObject(op.responses) ? op.responses : {}
  let responses: Json | undefined
  for (const [status, ref] of Object.entries(refs)) {
    if (original[status] !== undefined) continue
    responses ??= { ...original }
    responses[status] = ref
  }
  return responses === undefined ? op : { ...op, responses }
}

/** A copy of the Path Item without the operations of `methods` (upper case); null when no operation is left. */
function withoutOperations (item: Json, methods: readonly string[]): Json | null {
  const out: Json = { ...item }
  for (const field of OPERATION_FIELDS) if (methods.includes(field.toUpperCase())) delete out[field]
  if (isObject(item.additionalOperations)) {
    const extra = Object.fromEntries(Object.entries(item.additionalOperations).filter(([method]) => !methods.includes(method.toUpperCase())))
    if (Object.keys(extra).length > 0) out.additionalOperations = extra
    else delete out.additionalOperations
  }
  return operationsOf(out).size === 0 ? null : out
}

/**
 * Returns a copy of `doc` that carries the method table: an `options` operation (204 + the exact
 * Allow) on every path whose OPTIONS the plugin answers, and on every operation of a path that can
 * answer 405 a reference to the shared 405 response (and to the 501 one while `notImplemented` is on).
 * The operations of routes hidden with `config.allow.hide: true` (`PathAllow.hidden`) are left out,
 * and a path left without operations goes entirely; the copy then carries, under the symbol
 * HIDDEN_OPERATIONS, which methods of which path keys were left out (for `audit({ app })`). A user's
 * own OPTIONS operation is left as it is. `doc` itself is never changed.
 */
export function augmentDocument (doc: Json, kind: DocumentKind, resolve: ResolvePath, options: AugmentOptions): Json {
  if (!isObject(doc.paths)) return doc
  const plans: Plan[] = []
  // the Path Items that lose hidden operations: their copies, or null for those that go entirely
  const pruned = new Map<string, Json | null>()
  // the methods left out, by path key: the mark that tells an in-process audit about them
  const removed: Record<string, readonly string[]> = {}
  for (const [key, original] of Object.entries(doc.paths)) {
    if (!isObject(original)) continue
    const found = resolve(key, original)
    if (found === null) continue // unrouted as documented
    let item: Json | null = original
    if (found.hidden.length > 0) {
      pruned.set(key, item = withoutOperations(original, found.hidden))
      removed[key] = Object.freeze([...found.hidden])
    }
    // served only by hidden routes: those answer 404, not 405
    if (item === null || found.allow.length === 0) continue
    plans.push({
      key,
      item,
      allow: found.allow,
      addOptions: options.autoOptions && found.automaticOptions && item.options === undefined,
      add405: options.supportedMethods.some(m => !found.allow.includes(m)),
      optionsHeaders: found.optionsHeaders
    })
  }
  if (plans.length === 0 && pruned.size === 0) return doc

  const out: Json = { ...doc }
  // not enumerable, symbol-keyed: JSON, YAML and structuredClone leave it out, the served document stays the same
  if (pruned.size > 0) Object.defineProperty(out, HIDDEN_OPERATIONS, { value: Object.freeze(removed) })
  const paths: Json = out.paths = { ...doc.paths }
  for (const [key, item] of pruned) {
    if (item === null) delete paths[key]
    else paths[key] = item
  }
  if (plans.length === 0) return out
  const statuses: Array<'405' | '501'> = []
  if (plans.some(p => p.add405)) statuses.push('405')
  if (options.notImplemented) statuses.push('501')
  const refs = addComponents(out, kind, statuses, options)
  const taken = takenOperationIds(paths)
  const { 405: _, ...without405 } = refs
  for (const plan of plans) {
    const pathRefs = plan.add405 ? refs : without405
    const item: Json = { ...plan.item }
    for (const field of OPERATION_FIELDS) {
      // the user's own OPTIONS operation stays exactly as written
      if (field === 'options' || !isObject(item[field])) continue
      item[field] = withRefs(item[field] as Json, pathRefs)
    }
    if (isObject(item.additionalOperations)) {
      const extra: Json = {}
      for (const [method, op] of Object.entries(item.additionalOperations)) extra[method] = isObject(op) ? withRefs(op, pathRefs) : op
      item.additionalOperations = extra
    }
    if (plan.addOptions) item.options = optionsOperation(plan, kind, pathRefs, taken)
    paths[plan.key] = item
  }
  return out
}
