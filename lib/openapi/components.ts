import type { ProblemStatus } from '../options'
import { buildProblem } from '../problem'
import type { DocumentKind, Json } from './document'
import { isObject } from './document'

const PROBLEM_JSON = 'application/problem+json'

/** How the 405 and 501 answers look, from the plugin's options. */
export interface ProblemOptions {
  problemType: (status: ProblemStatus) => string
  /** The app's error handler formats the body: the document then promises no body schema. */
  useErrorHandler: boolean
}

/** `$ref` objects to the reusable responses, by status. */
export type ResponseRefs = Partial<Record<'405' | '501', Json>>

const ALLOW_DESCRIPTION = 'The methods this path supports (RFC 9110, section 10.2.1), comma-separated.'

const DESCRIPTIONS = {
  405: 'Method Not Allowed: the path exists but does not support the request method. `Allow` lists the methods it supports.',
  501: 'Not Implemented: no route of this server implements the request method (PURGE, LINK...), on any path.'
}

/** The RFC 9457 problem details object this plugin sends, as a schema valid in OpenAPI 3.0, 3.1 and Swagger 2.0. */
function problemSchema (): Json {
  return {
    type: 'object',
    description: 'Problem details (RFC 9457) of a 405 or 501 answer.',
    required: ['type', 'title', 'status', 'detail', 'instance'],
    properties: {
      type: { type: 'string', format: 'uri-reference', description: 'The problem type (`about:blank` unless configured).' },
      title: { type: 'string', description: '`Method Not Allowed` or `Not Implemented`.' },
      status: { type: 'integer', description: 'The HTTP status code, 405 or 501.' },
      detail: { type: 'string', description: 'What went wrong, naming the method.' },
      instance: { type: 'string', format: 'uri-reference', description: 'The request path, without its query string.' },
      allow: { type: 'array', items: { type: 'string' }, description: 'The methods of the `Allow` header (405 only).' }
    }
  }
}

function example (status: ProblemStatus, options: ProblemOptions): Json {
  const problem = status === 405
    ? buildProblem(405, options.problemType(405), 'DELETE', '/example', ['GET', 'HEAD', 'OPTIONS'])
    : buildProblem(501, options.problemType(501), 'PURGE', '/example')
  return { ...problem }
}

function bodyNote (options: ProblemOptions): string {
  return options.useErrorHandler ? ' The body is written by the app\'s error handler.' : ' The body is an RFC 9457 problem document.'
}

/** Puts `value` under `name` in `container`, or under `name2`, `name3`... when the name holds something else. */
function claim (container: Json, name: string, value: unknown): string {
  const text = JSON.stringify(value)
  let candidate = name
  for (let i = 2; container[candidate] !== undefined && JSON.stringify(container[candidate]) !== text; i++) candidate = name + String(i)
  container[candidate] ??= value
  return candidate
}

function copyOf (value: unknown): Json {
  return isObject(value) ? { ...value } : {}
}

/**
 * Adds the problem schema, the Allow header (OpenAPI 3) and the 405/501 responses asked for
 * (`#/components/...`, or `#/definitions` and `#/responses` in Swagger 2.0) to `doc` (a copy
 * the caller owns), and returns references to the responses.
 */
export function addComponents (doc: Json, kind: DocumentKind, statuses: Array<'405' | '501'>, options: ProblemOptions): ResponseRefs {
  const refs: ResponseRefs = {}
  if (statuses.length === 0) return refs
  const swagger2 = kind === 'swagger2'
  // Swagger 2.0 keeps `definitions` and `responses` at the top level
  const components = swagger2 ? doc : (doc.components = copyOf(doc.components))
  const prefix = swagger2 ? '#/' : '#/components/'
  const responses = components.responses = copyOf(components.responses)
  let schema: Json | undefined
  if (!options.useErrorHandler) {
    const container = swagger2 ? (doc.definitions = copyOf(doc.definitions)) : (components.schemas = copyOf(components.schemas))
    schema = { $ref: `${prefix}${swagger2 ? 'definitions' : 'schemas'}/${claim(container, 'AllowedMethodsProblem', problemSchema())}` }
  }
  for (const status of statuses) {
    const code = Number(status) as ProblemStatus
    const response: Json = { description: DESCRIPTIONS[code] + bodyNote(options) }
    if (code === 405) {
      if (swagger2) {
        response.headers = { Allow: { type: 'string', description: ALLOW_DESCRIPTION } }
      } else {
        const headers = components.headers = copyOf(components.headers)
        const allow = claim(headers, 'Allow', { description: ALLOW_DESCRIPTION, schema: { type: 'string' }, example: 'GET, HEAD, OPTIONS' })
        response.headers = { Allow: { $ref: `#/components/headers/${allow}` } }
      }
    }
    if (schema !== undefined && swagger2) {
      response.schema = schema
      response.examples = { [PROBLEM_JSON]: example(code, options) }
    } else if (schema !== undefined) {
      response.content = { [PROBLEM_JSON]: { schema, example: example(code, options) } }
    }
    refs[status] = { $ref: `${prefix}responses/${claim(responses, code === 405 ? 'MethodNotAllowed' : 'NotImplemented', response)}` }
  }
  return refs
}
