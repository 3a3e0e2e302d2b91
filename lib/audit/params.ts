import type RandExp from 'randexp'
import { isObject, schemaOf } from '../openapi/document'
import type { ApiPath, Json } from '../openapi/document'
import { encodeLiteral, encodeSegment } from '../openapi/paths'

/**
 * Path parameter values for the audit's requests: the document's own example first, else a value
 * that satisfies the parameter's schema (type, format, pattern, lengths, bounds, enum, const).
 * When no such value can be found, the path is not requested: sending a value the server may
 * rightly refuse (404 on a regex route) would turn into false violations.
 */

/** No value satisfies the schema (or none the audit can find): says why, in words. */
export class NoValueError extends Error {
  override name = 'NoValueError'
  /** The path parameter, once known (fillPath). */
  parameter?: string
}

/** A string for a value found in the document (objects and arrays as JSON, as a path would carry them). */
function stringify (value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)
}

/** A value the document itself gives: example, examples, x-example, default. */
function documentedValue (param: Json): { value: unknown } | undefined {
  const schema = schemaOf(param)
  if (param.example !== undefined) return { value: param.example }
  if (isObject(param.examples)) {
    const first = Object.values(param.examples)[0]
    if (isObject(first) && first.value !== undefined) return { value: first.value }
  }
  if (param['x-example'] !== undefined) return { value: param['x-example'] }
  if (schema.example !== undefined) return { value: schema.example }
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return { value: schema.examples[0] }
  if (schema.default !== undefined) return { value: schema.default }
  return undefined
}

const FORMATS: Record<string, string> = {
  uuid: '00000000-0000-4000-8000-000000000000',
  date: '2024-01-01',
  'date-time': '2024-01-01T00:00:00Z',
  time: '00:00:00Z',
  duration: 'P1D',
  email: 'user@example.com',
  'idn-email': 'user@example.com',
  uri: 'https://example.com/',
  'uri-reference': 'https://example.com/',
  iri: 'https://example.com/',
  url: 'https://example.com/',
  hostname: 'example.com',
  'idn-hostname': 'example.com',
  ipv4: '127.0.0.1',
  ipv6: '::1',
  byte: 'AA==',
  password: 'password'
}

/** The pattern compiled as JavaScript would (Unicode mode first), or undefined when it cannot be. */
function compile (pattern: unknown): RegExp | undefined {
  if (typeof pattern !== 'string') return undefined
  for (const flags of ['u', '']) {
    try {
      return new RegExp(pattern, flags)
    } catch {}
  }
  return undefined // a pattern JavaScript cannot compile: do not let it decide
}

function length (value: string): number {
  return [...value].length // JSON Schema counts code points
}

/** The length bounds of a string schema. */
function lengths (schema: Json): { min: number, max: number } {
  return {
    min: typeof schema.minLength === 'number' ? schema.minLength : 0,
    max: typeof schema.maxLength === 'number' ? schema.maxLength : Infinity
  }
}

/** Why `value` does not satisfy the string constraints of `schema`, or undefined when it does. */
function stringProblem (schema: Json, value: string): string | undefined {
  const { min, max } = lengths(schema)
  if (length(value) < min) return `shorter than minLength ${min}`
  if (length(value) > max) return `longer than maxLength ${max}`
  if (compile(schema.pattern)?.test(value) === false) return `does not match pattern ${String(schema.pattern)}`
  if (value === '') return 'empty, and a path segment cannot be'
  return undefined
}

/** The numeric bounds of a schema, with OpenAPI 3.0's boolean exclusiveMinimum/Maximum. */
function bounds (schema: Json): { low: number, lowOpen: boolean, high: number, highOpen: boolean } {
  let low = -Infinity
  let lowOpen = false
  let high = Infinity
  let highOpen = false
  if (typeof schema.minimum === 'number') {
    low = schema.minimum
    lowOpen = schema.exclusiveMinimum === true
  }
  if (typeof schema.exclusiveMinimum === 'number' && schema.exclusiveMinimum >= low) {
    low = schema.exclusiveMinimum
    lowOpen = true
  }
  if (typeof schema.maximum === 'number') {
    high = schema.maximum
    highOpen = schema.exclusiveMaximum === true
  }
  if (typeof schema.exclusiveMaximum === 'number' && schema.exclusiveMaximum <= high) {
    high = schema.exclusiveMaximum
    highOpen = true
  }
  return { low, lowOpen, high, highOpen }
}

function numberProblem (schema: Json, value: number, integer: boolean): string | undefined {
  const { low, lowOpen, high, highOpen } = bounds(schema)
  if (Number.isNaN(value)) return 'not a number'
  if (integer && !Number.isInteger(value)) return 'not an integer'
  if (value < low || (lowOpen && value === low)) return `below the ${lowOpen ? 'exclusive ' : ''}minimum ${low}`
  if (value > high || (highOpen && value === high)) return `above the ${highOpen ? 'exclusive ' : ''}maximum ${high}`
  const step = schema.multipleOf
  if (typeof step === 'number' && step > 0 && Math.abs(value / step - Math.round(value / step)) > 1e-9) return `not a multiple of ${step}`
  return undefined
}

/** The one type a value must have (`null` aside), or undefined when the schema does not say. */
function typeOf (schema: Json): unknown {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type]
  return types.find(t => t !== 'null')
}

/** Why a value (an enum member) does not fit the rest of `schema`, or undefined when it does. */
function valueProblem (schema: Json, value: unknown): string | undefined {
  const type = typeOf(schema)
  if (type === 'integer' || type === 'number') {
    return numberProblem(schema, typeof value === 'number' ? value : Number(value), type === 'integer')
  }
  return stringProblem(schema, stringify(value))
}

/** `pattern ^a$, maxLength 3`: the constraints of a schema, for a reason. */
function constraints (schema: Json): string {
  const out: string[] = []
  for (const key of ['type', 'format', 'pattern', 'minLength', 'maxLength', 'minimum', 'exclusiveMinimum', 'maximum', 'exclusiveMaximum', 'multipleOf']) {
    if (schema[key] !== undefined) out.push(`${key} ${stringify(schema[key])}`)
  }
  return out.join(', ')
}

/** A small, seeded generator: the same document gives the same values on every run. */
function seeded (text: string, attempt: number): () => number {
  let state = attempt * 0x9e3779b9
  for (let i = 0; i < text.length; i++) state = Math.imul(state ^ text.charCodeAt(i), 0x01000193)
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

let RandExpClass: typeof RandExp | undefined

/** Strings that match `pattern`, from randexp (loaded on the first pattern that needs it). */
function * fromPattern (pattern: string, minLength: number): Generator<string> {
  RandExpClass ??= require('randexp') as typeof RandExp
  // repetitions kept short, unless the length bound needs more; characters that need no
  // %-encoding first (a `.` or `[^/]` then gives letters and digits), any printable ASCII after
  const repeats = [3, Math.max(8, minLength), Math.max(64, minLength)]
  for (const [tier, max] of repeats.entries()) {
    for (let attempt = 0; attempt < 8; attempt++) {
      let generator: RandExp
      try {
        generator = new RandExpClass(pattern)
      } catch {
        return // a pattern randexp cannot read
      }
      generator.max = max
      const random = seeded(pattern, tier * 8 + attempt)
      generator.randInt = (a, b) => a + Math.floor(random() * (b - a + 1))
      if (tier < 2) generator.defaultRange.subtract(32, 44).subtract(47).subtract(58, 64).subtract(91, 94).subtract(96).subtract(123, 126)
      yield generator.gen()
    }
  }
}

function plausibleString (schema: Json): string {
  const { min, max } = lengths(schema)
  if (min > max) throw new NoValueError(`minLength ${min} is greater than maxLength ${max}`)
  if (max === 0) throw new NoValueError('maxLength 0 allows only the empty string, and a path segment cannot be empty')
  const format = typeof schema.format === 'string' ? FORMATS[schema.format] : undefined
  // '1' first: route parameters are mostly ids, and a digit also passes most string patterns
  const candidates = [...(format === undefined ? [] : [format]), '1', 'example', 'a', 'A', 'abc', 'a1', 'x-1', '1.0']
  for (const candidate of candidates) {
    if (stringProblem(schema, candidate) === undefined) return candidate
  }
  const regExp = compile(schema.pattern)
  if (regExp === undefined) return '1'.repeat(Math.max(1, min))
  for (const candidate of fromPattern(schema.pattern as string, min)) {
    if (stringProblem(schema, candidate) === undefined) return candidate
  }
  throw new NoValueError(`the audit found no string that matches pattern ${String(schema.pattern)}${min > 0 || max < Infinity ? ` with a length from ${min} to ${max}` : ''}`)
}

function plausibleNumber (schema: Json, integer: boolean): string {
  const { low, lowOpen, high } = bounds(schema)
  const step = typeof schema.multipleOf === 'number' && schema.multipleOf > 0 ? schema.multipleOf : undefined
  // 1 when it fits, else the smallest fitting value above the minimum; an integer wherever one fits
  const unit = step ?? 1
  const first = low === -Infinity ? 1 : Math.max(lowOpen ? Math.floor(low / unit + 1) * unit : Math.ceil(low / unit) * unit, 0)
  const candidates = [1, Math.ceil(low), Math.floor(low) + 1, first, Math.floor(high), Math.ceil(high) - 1, low, (low + high) / 2, 0]
  if (step !== undefined) candidates.unshift(step, Math.ceil(low / step) * step, Math.floor(high / step) * step)
  for (const candidate of candidates) {
    if (Number.isFinite(candidate) && numberProblem(schema, candidate, integer) === undefined) return String(candidate)
  }
  throw new NoValueError(`no ${integer ? 'integer' : 'number'} satisfies ${constraints(schema)}`)
}

/** The schema with its allOf members merged in (the usual way constraints are combined). */
function merged (schema: Json): Json {
  if (!Array.isArray(schema.allOf)) return schema
  let out: Json = { ...schema, allOf: undefined }
  for (const member of schema.allOf) if (isObject(member)) out = { ...out, ...merged(member) }
  return out
}

/**
 * A value of the schema when the document gives no example: its `const`, the first `enum` member
 * that fits the rest of it, else one of its type that satisfies format, pattern, lengths and bounds.
 * Throws NoValueError when there is none (or none the audit can find).
 */
export function plausibleValue (raw: Json): string {
  const schema = merged(raw)
  if (schema.const !== undefined) return stringify(schema.const)
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    const fits = schema.enum.find(value => valueProblem(schema, value) === undefined)
    if (fits === undefined) throw new NoValueError(`no member of enum ${JSON.stringify(schema.enum)} satisfies ${constraints({ ...schema, enum: undefined })}`)
    return stringify(fits)
  }
  const composite = [schema.oneOf, schema.anyOf].find(list => Array.isArray(list) && list.length > 0) as unknown[] | undefined
  if (composite !== undefined && schema.type === undefined) {
    return isObject(composite[0]) ? plausibleValue(composite[0]) : '1'
  }
  switch (typeOf(schema)) {
    case 'integer':
    case 'number':
      return plausibleNumber(schema, typeOf(schema) === 'integer')
    case 'boolean':
      return 'true'
    case 'string':
      return plausibleString(schema)
    case 'array':
      return isObject(schema.items) ? plausibleValue(schema.items) : '1'
    default:
      return schema.pattern !== undefined || schema.minLength !== undefined || schema.maxLength !== undefined ? plausibleString(schema) : '1'
  }
}

/** The value used for one path parameter, from every definition the document has for it. Throws NoValueError. */
export function parameterValue (definitions: Json[] | undefined): string {
  if (definitions === undefined || definitions.length === 0) return '1'
  for (const param of definitions) {
    const found = documentedValue(param)
    if (found !== undefined) return stringify(found.value)
  }
  return plausibleValue(schemaOf(definitions[0]))
}

/** A path that cannot be requested as documented: the parameter, and why no value fits. */
export interface Unsendable {
  parameter: string
  reason: string
}

/**
 * The concrete request path of a documented path: literal parts %-encoded where they must be,
 * `{name}` filled and %-encoded as one segment. Throws NoValueError naming the parameter when one
 * has no value that satisfies its schema.
 */
export function fillPath (path: ApiPath): string {
  let url = ''
  for (const [index, part] of path.path.split(/\{([^}]*)\}/).entries()) {
    if (index % 2 === 0) {
      url += encodeLiteral(part)
      continue
    }
    try {
      url += encodeSegment(parameterValue(path.parameters.get(part)))
    } catch (err) {
      // NoValueError, or a value that cannot be written at all (a circular example)
      const error = new NoValueError((err as Error).message)
      error.parameter = part
      throw error
    }
  }
  return url
}

/** fillPath's request path, or, when a parameter has no value that fits, which one and why. */
export function requestPath (path: ApiPath): { url: string } | { unsendable: Unsendable } {
  try {
    return { url: fillPath(path) }
  } catch (err) {
    return { unsendable: { parameter: (err as NoValueError).parameter as string, reason: (err as Error).message } }
  }
}
