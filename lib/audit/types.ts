import type { SecureContextOptions } from 'node:tls'

/** What a check found: `pass` or `fail`. */
export type Verdict = 'pass' | 'fail'

/**
 * The checks of an audit, per documented path and method:
 * - `served`: a documented method is served (not 404, 405 or 501);
 * - `not-allowed`: an undocumented standard method gets 405 with an Allow header that matches the document;
 * - `options`: OPTIONS answers 2xx with the same Allow (or the Allow the document states);
 * - `head`: HEAD answers like GET, with no body;
 * - `problem`: a problem+json body of a 405 or 501 is a valid RFC 9457 object with the right `status`;
 * - `unknown-path`: a path the document does not have answers 404 without Allow;
 * - `unknown-method`: a method no server registers (PURGE) answers 501, or 405 with Allow;
 * - `parameters`: a path parameter has no value that satisfies its schema, so the path was not
 *   requested (one failed result for the path, method `*`).
 */
export type CheckName = 'served' | 'not-allowed' | 'options' | 'head' | 'problem' | 'unknown-path' | 'unknown-method' | 'parameters'

/** One check of one method on one path. */
export interface CheckResult {
  /** The path as the document writes it (`/items/{id}`); for `unknown-path`, the probed path. */
  path: string
  /** The request path that was sent (parameters filled, server base path prepended). */
  url: string
  method: string
  check: CheckName
  /** What the document and HTTP require, in words. */
  expected: string
  /** What the server answered, in words (`405, Allow: GET, HEAD`). */
  got: string
  verdict: Verdict
  /** Why it passed or failed, for a person. */
  reason: string
}

/** The answer of a server to one request. */
export interface Answer {
  status: number
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>
  /** At most the first 64 KiB of the body. */
  body: Buffer
  /** Set when no answer came: the status is then 0. */
  error?: string
}

/** A finished audit. */
export interface AuditReport {
  /** The base URL audited, or `in-process` for `audit({ app })`. */
  target: string
  document: {
    /** Where the document came from: a file, a URL, `app.swagger()`, or `(object)`. */
    source: string
    /** `OpenAPI 3.1.0`, `Swagger 2.0`... */
    version: string
    title?: string
    /** The path prefix used: the `basePath` option, else the path of `servers[0].url` or Swagger's `basePath` (`''` when none). */
    basePath: string
    paths: number
  }
  results: CheckResult[]
  summary: {
    checks: number
    passed: number
    failed: number
    /** Documented paths, and how many of them have at least one failed check. */
    paths: number
    failingPaths: number
    requests: number
    durationMs: number
  }
  /** True when no check failed and the audit is complete. */
  ok: boolean
  /**
   * Set when the `deadline` passed before the end: `results` hold only the checks whose requests
   * were all answered; the rest were not checked. The CLI exits 2.
   */
  incomplete?: {
    /** Why, for a person (`the deadline (5000 ms) passed with 120 requests of 400 not answered`). */
    reason: string
    /** Requests not sent, or sent and not answered, when the deadline passed. */
    requestsNotAnswered: number
    /** Paths (as `results` name them) left with no result. */
    uncheckedPaths: string[]
  }
}

/** A Fastify-like instance: what `audit({ app })` uses of it. */
export interface InjectableApp {
  ready (): PromiseLike<unknown>
  inject (options: { method: string, url: string, headers?: Record<string, string> }): PromiseLike<{
    statusCode: number
    headers: Record<string, string | string[] | number | undefined>
    rawPayload: Buffer
  }>
  swagger?: () => unknown
}

/** Options of `audit()`. Give `app` (in-process) or `baseUrl` (HTTP). */
export interface AuditOptions {
  /** A Fastify instance to audit in-process through `app.inject()`. */
  app?: InjectableApp
  /** The server's base URL (`http://127.0.0.1:3000`, `https://api.example.com/v1`); requests go there only. */
  baseUrl?: string
  /**
   * The OpenAPI 3.x / Swagger 2.0 document: an object, a path to a JSON or YAML file, or an
   * http(s) URL. Default: `app.swagger()` when the app has it; otherwise the first of
   * `/documentation/json`, `/openapi.json`, `/swagger.json` that the server answers.
   */
  openapi?: string | Record<string, unknown>
  /** Requests in flight at once. @default 8 */
  concurrency?: number
  /** Milliseconds to wait for each answer. @default 10000 */
  timeout?: number
  /** Upper bound on the number of requests; an audit that needs more fails before sending any. @default 10000 */
  maxRequests?: number
  /**
   * Milliseconds for the whole audit, the document included (at most 2147483647). When it passes,
   * requests in flight end and the report says what was checked, with `incomplete` set.
   * @default undefined (no deadline)
   */
  deadline?: number
  /**
   * The path prefix of every documented path on the audited server, instead of the path of
   * `servers[0].url` or Swagger's `basePath`: `'/'` (or `''`) audits a server (a mock, a local
   * run) that serves the paths at its root. The base URL's own path still comes first.
   * @default the document's server path
   */
  basePath?: string
  /** Largest document read, in bytes (file, URL or discovered): a larger one is refused. @default 33554432 (32 MiB) */
  maxDocumentSize?: number
  /** Headers added to every request (for example `authorization`). */
  headers?: Record<string, string>
  /** TLS options for an https base URL (a private CA, or `rejectUnauthorized: false`). */
  tls?: Pick<SecureContextOptions, 'ca'> & { rejectUnauthorized?: boolean }
  /** Called after each request with the number done and the total. */
  onProgress?: (done: number, total: number) => void
  /** Called once the document is chosen, with where it came from (`/openapi.json`...). */
  onDocument?: (source: string) => void
}
