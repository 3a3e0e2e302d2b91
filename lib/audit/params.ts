import type { ApiPath } from './document'

type Json = Record<string, unknown>

function isObject (value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A string for a value found in the document (objects and arrays as JSON, as a path would carry them). */
function stringify (value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)
}

/** The schema of a parameter: OpenAPI 3 `schema` or `content.*.schema`; Swagger 2.0 keeps it on the parameter. */
function schemaOf (param: Json): Json {
  if (isObject(param.schema)) return param.schema
  if (isObject(param.content)) {
    const media = Object.values(param.content)[0]
    if (isObject(media) && isObject(media.schema)) return media.schema
  }
  return param
}

/** A value the document itself gives: example, examples, x-example, default, const, enum. */
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
  if (schema.const !== undefined) return { value: schema.const }
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return { value: schema.enum[0] }
  return undefined
}

const FORMATS: Record<string, string> = {
  uuid: '00000000-0000-4000-8000-000000000000',
  date: '2024-01-01',
  'date-time': '2024-01-01T00:00:00Z',
  email: 'user@example.com',
  uri: 'https://example.com/',
  hostname: 'example.com',
  ipv4: '127.0.0.1'
}

function matches (pattern: unknown, value: string): boolean {
  if (typeof pattern !== 'string') return true
  try {
    return new RegExp(pattern, 'u').test(value)
  } catch {
    return true // a pattern JavaScript cannot compile: do not let it decide
  }
}

function plausibleString (schema: Json): string {
  const format = typeof schema.format === 'string' ? FORMATS[schema.format] : undefined
  if (format !== undefined) return format
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity
  // '1' first: route parameters are mostly ids, and a digit also passes most string patterns
  const candidates = ['1', 'example', 'a', 'A', 'abc', 'a1', 'x-1', '1.0']
  for (const candidate of candidates) {
    if (candidate.length >= min && candidate.length <= max && matches(schema.pattern, candidate)) return candidate
  }
  return '1'.repeat(Math.max(1, min))
}

function plausibleNumber (schema: Json): string {
  let value = 1
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined
  const exclusiveMin = typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : undefined
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined
  if (min !== undefined && value < min) value = Math.ceil(min)
  if (exclusiveMin !== undefined && value <= exclusiveMin) value = Math.floor(exclusiveMin) + 1
  if (max !== undefined && value > max) value = Math.floor(max)
  return String(value)
}

/** A plausible value of the schema's type when the document gives none. */
export function plausibleValue (schema: Json): string {
  const composite = [schema.oneOf, schema.anyOf, schema.allOf].find(list => Array.isArray(list) && list.length > 0) as unknown[] | undefined
  if (composite !== undefined && schema.type === undefined) {
    return isObject(composite[0]) ? plausibleValue(composite[0]) : '1'
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type]
  const type = types.find(t => t !== 'null')
  switch (type) {
    case 'integer':
    case 'number':
      return plausibleNumber(schema)
    case 'boolean':
      return 'true'
    case 'string':
      return plausibleString(schema)
    case 'array':
      return isObject(schema.items) ? plausibleValue(schema.items) : '1'
    default:
      return '1'
  }
}

/** The value used for one path parameter, from every definition the document has for it. */
export function parameterValue (definitions: Json[] | undefined): string {
  if (definitions === undefined || definitions.length === 0) return '1'
  for (const param of definitions) {
    const found = documentedValue(param)
    if (found !== undefined) return stringify(found.value)
  }
  return plausibleValue(schemaOf(definitions[0]))
}

/** The concrete request path of a documented path: `{name}` filled and %-encoded. */
export function fillPath (path: ApiPath): string {
  return path.path.replace(/\{([^}]*)\}/g, (_, name: string) => encodeURIComponent(parameterValue(path.parameters.get(name))))
}
