import { FST_ALLOWED_METHODS_INVALID_OPTION } from './errors'

/** Status codes this plugin answers with a problem document. */
export type ProblemStatus = 405 | 501

/** The OpenAPI contract checked at `ready()` (see README, "Contract at startup"). */
export interface ContractOptions {
  /** An OpenAPI 3.x / Swagger 2.0 document, or a path to a JSON or YAML file holding one. */
  document: string | Record<string, unknown>
  /**
   * `true`: `ready()` rejects with `FST_ALLOWED_METHODS_CONTRACT_MISMATCH` when the routes and the
   * document disagree. `false`: each difference is logged as a warning.
   * @default false
   */
  strict?: boolean
}

/** Options of fastify-allowed-methods. Every field is optional. */
export interface FastifyAllowedMethodsOptions {
  /**
   * Answer `OPTIONS` on every URL that exists and has no OPTIONS route of its own with
   * `204 No Content` and `Allow`, answer `OPTIONS *` with every method the server implements,
   * and list `OPTIONS` in every `Allow` header.
   * @default true
   */
  autoOptions?: boolean
  /**
   * Answer `501 Not Implemented` to methods that are not among `fastify.supportedMethods`
   * (PURGE, LINK, PROPFIND...), on any path. `false`: such methods get the same 405/404 as any other.
   * @default true
   */
  notImplemented?: boolean
  /**
   * The `type` member of the problem documents (RFC 9457 section 3.1.1): a URI string, or a
   * function of the status code returning one.
   * @default 'about:blank'
   */
  problemType?: string | ((status: ProblemStatus) => string)
  /**
   * Send 405 and 501 as errors through the app's error handler (`setErrorHandler`) instead of
   * writing the problem document directly. The error carries `statusCode`, `allow` and
   * `headers.allow`; the status and the `Allow` header are set before your handler runs.
   * @default false
   */
  useErrorHandler?: boolean
  /**
   * Always answer 405, 501 and automatic OPTIONS from the plugin's onRequest hook, before any body
   * byte is read, even where the app has preParsing, preValidation or preHandler hooks on its 404
   * path (auth, rate limiting). `false`: those hooks run first, as they run before a 404, and the
   * answer is sent where the 404 handler would run. Set it only if skipping them is acceptable.
   * @default false
   */
  answerEarly?: boolean
  /**
   * Automatic OPTIONS answers of a resource with a PATCH route carry `Accept-Patch` (RFC 5789
   * section 3.1): the media types that route accepts (its schema's body content types, else the
   * content types its context has a parser for).
   * @default true
   */
  acceptPatch?: boolean
  /** The same for POST routes: `Accept-Post` (W3C Linked Data Platform). @default true */
  acceptPost?: boolean
  /**
   * Automatic OPTIONS answers carry `Link: <url>; rel="service-desc"` (RFC 8631) pointing at the
   * API's OpenAPI document: `true` finds the JSON route of @fastify/swagger-ui
   * (`<routePrefix>/json`), a string is that URL, `false` sends no Link.
   * @default true
   */
  serviceDesc?: boolean | string
  /**
   * Add the method table (OPTIONS operations, 405/501 responses) to the document that
   * @fastify/swagger generates.
   * @default true
   */
  openapi?: boolean
  /**
   * The name of the @fastify/swagger decorator to extend (swagger's own `decorator` option), or
   * several names when swagger is registered more than once.
   * @default 'swagger'
   */
  openapiDecorator?: string | string[]
  /**
   * For @fastify/swagger's static mode (a document you wrote): `true` makes `ready()` reject with
   * `FST_ALLOWED_METHODS_CONTRACT_MISMATCH` when the document and the routes disagree; `false` logs
   * each difference as a warning. The document itself is never changed.
   * @default false
   */
  openapiStrict?: boolean
  /**
   * Compare the routes with an OpenAPI document at `ready()`.
   * @default undefined (no check)
   */
  contract?: ContractOptions
}

export interface ResolvedOptions {
  autoOptions: boolean
  notImplemented: boolean
  problemType: (status: ProblemStatus) => string
  useErrorHandler: boolean
  answerEarly: boolean
  acceptPatch: boolean
  acceptPost: boolean
  /** true: find @fastify/swagger-ui's JSON route; a string: that URL; false: no Link. */
  serviceDesc: boolean | string
  openapi: boolean
  openapiDecorators: string[]
  openapiStrict: boolean
  contract: { document: string | Record<string, unknown>, strict: boolean } | undefined
}

const KNOWN = new Set(['autoOptions', 'notImplemented', 'problemType', 'useErrorHandler', 'answerEarly', 'acceptPatch', 'acceptPost', 'serviceDesc', 'openapi', 'openapiDecorator', 'openapiStrict', 'contract'])

function describe (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'object') return 'an object'
  return `${typeof value} ${String(value)}`
}

function fail (name: string, expected: string, value: unknown): never {
  throw new FST_ALLOWED_METHODS_INVALID_OPTION(name, expected, describe(value))
}

function bool (opts: Record<string, unknown>, name: string, fallback: boolean, label = name): boolean {
  const value = opts[name]
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') fail(label, 'must be a boolean (true or false)', value)
  return value
}

function decoratorNames (value: unknown): string[] {
  if (value === undefined) return ['swagger']
  const names = Array.isArray(value) ? value as unknown[] : [value]
  if (names.length === 0 || !names.every(name => typeof name === 'string' && name.length > 0)) {
    fail('openapiDecorator', 'must be the name of the @fastify/swagger decorator (a non-empty string) or an array of names', value)
  }
  return names as string[]
}

/**
 * Validates the user's options and merges them with the defaults. Throws
 * FST_ALLOWED_METHODS_INVALID_OPTION naming the option and what it accepts.
 */
export function resolveOptions (input: unknown): ResolvedOptions {
  if (input === undefined || input === null) input = {}
  if (typeof input !== 'object' || Array.isArray(input)) {
    fail('(options)', 'must be an object', input)
  }
  const opts = input as Record<string, unknown>
  for (const key of Object.keys(opts)) {
    if (!KNOWN.has(key)) {
      fail(key, `is not an option of fastify-allowed-methods (known: ${[...KNOWN].join(', ')})`, opts[key])
    }
  }

  let problemType: (status: ProblemStatus) => string = () => 'about:blank'
  const type = opts.problemType
  if (typeof type === 'string') {
    if (type.length === 0) fail('problemType', 'must be a non-empty URI reference or a function (status) => string', type)
    problemType = () => type
  } else if (typeof type === 'function') {
    problemType = type as (status: ProblemStatus) => string
  } else if (type !== undefined) {
    fail('problemType', 'must be a URI string or a function (status) => string', type)
  }

  let contract: ResolvedOptions['contract']
  if (opts.contract !== undefined) {
    const c = opts.contract as Record<string, unknown>
    if (c === null || typeof c !== 'object' || Array.isArray(c)) {
      fail('contract', 'must be an object { document, strict? }', c)
    }
    const doc = c.document
    if (typeof doc !== 'string' && (doc === null || typeof doc !== 'object' || Array.isArray(doc))) {
      fail('contract.document', 'must be an OpenAPI/Swagger document object or a path to a JSON or YAML file', doc)
    }
    contract = { document: doc as string | Record<string, unknown>, strict: bool(c, 'strict', false, 'contract.strict') }
  }

  let serviceDesc: boolean | string = true
  const desc = opts.serviceDesc
  if (typeof desc === 'string') {
    // the URL goes between < and > of a Link header: a URI reference, no space, no angle bracket
    if (!/^[^\s<>"]+$/.test(desc)) fail('serviceDesc', 'must be true, false, or the URL of the OpenAPI document (a URI reference without spaces, < > or ")', desc)
    serviceDesc = desc
  } else if (typeof desc === 'boolean') {
    serviceDesc = desc
  } else if (desc !== undefined) {
    fail('serviceDesc', 'must be true, false, or the URL of the OpenAPI document', desc)
  }

  return {
    autoOptions: bool(opts, 'autoOptions', true),
    notImplemented: bool(opts, 'notImplemented', true),
    problemType,
    useErrorHandler: bool(opts, 'useErrorHandler', false),
    answerEarly: bool(opts, 'answerEarly', false),
    acceptPatch: bool(opts, 'acceptPatch', true),
    acceptPost: bool(opts, 'acceptPost', true),
    serviceDesc,
    openapi: bool(opts, 'openapi', true),
    openapiDecorators: decoratorNames(opts.openapiDecorator),
    openapiStrict: bool(opts, 'openapiStrict', false),
    contract
  }
}
