import { validateHeaderName, validateHeaderValue } from 'node:http'
import { performance } from 'node:perf_hooks'
import { auditBounds } from './bounds'
import { answerKey } from './checks/answers'
import { evaluate } from './checks/index'
import { FST_ALLOWED_METHODS_AUDIT_DOCUMENT, FST_ALLOWED_METHODS_AUDIT_OPTION } from './errors'
import { httpTransport } from './http'
import type { HttpOptions } from './http'
import { DOCUMENT_LIMIT, NUMERIC_OPTIONS, tooLarge } from './limits'
import type { NumericOptionName } from './limits'
import { loadDocument } from './load'
import { planAudit, requestPrefix } from './plan'
import { inResourceOrder } from './schedule'
import { injectTransport, runBounded } from './transport'
import type { Transport } from './transport'
import type { AuditOptions, AuditReport, InjectableApp } from './types'

export type { Answer, AuditOptions, AuditReport, CheckName, CheckResult, InjectableApp, Verdict } from './types'
export { FST_ALLOWED_METHODS_AUDIT_DOCUMENT, FST_ALLOWED_METHODS_AUDIT_NETWORK, FST_ALLOWED_METHODS_AUDIT_NO_ANSWER, FST_ALLOWED_METHODS_AUDIT_OPTION } from './errors'
export { formatReport } from './report'
export type { ReportFormat } from './report'

const DEFAULTS = { concurrency: 8, timeout: 10_000, maxRequests: 10_000, deadline: undefined, maxDocumentSize: DOCUMENT_LIMIT }

function invalid (message: string): never {
  throw new FST_ALLOWED_METHODS_AUDIT_OPTION(message)
}

/** A numeric option: a positive integer within its range (limits.ts), or its default. */
function positiveInteger<N extends NumericOptionName> (options: AuditOptions, name: N): number | typeof DEFAULTS[N] {
  const value = options[name]
  if (value === undefined) return DEFAULTS[name]
  if (!Number.isInteger(value) || value < 1) invalid(`option "${name}" must be a positive integer, got ${String(value)}`)
  if (value > NUMERIC_OPTIONS[name].max) invalid(`option "${name}" ${tooLarge(name)}, got ${value}`)
  return value
}

/** The `basePath` option: a path (`/v2`, `/` for the root), without its trailing slash; undefined when not given. */
function checkBasePath (value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || (value !== '' && !value.startsWith('/')) || /[?#\s\p{Cc}]/u.test(value)) {
    invalid(`option "basePath" must be a path starting with "/" (use "/" for the root), got ${JSON.stringify(value)}`)
  }
  return value.replace(/\/+$/, '')
}

function checkHeaders (headers: unknown): Record<string, string> {
  if (headers === undefined) return {}
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) invalid('option "headers" must be an object of header names to string values')
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    // one value per header, whatever the spelling: a later `host` replaces an earlier `Host`
    for (const known of Object.keys(out)) if (known.toLowerCase() === name.toLowerCase()) delete out[known]
    try {
      validateHeaderName(name)
      if (typeof value !== 'string') throw new TypeError('the value must be a string')
      validateHeaderValue(name, value)
    } catch (err) {
      invalid(`header ${JSON.stringify(name)} cannot be sent: ${(err as Error).message}`)
    }
    out[name] = value
  }
  return out
}

function baseUrlOf (value: unknown): URL {
  let url: URL | undefined
  try {
    url = new URL(String(value))
  } catch {
    url = undefined
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    invalid(`the base URL ${JSON.stringify(value)} is not an http:// or https:// URL`)
  }
  return url
}

/**
 * Checks a server's method contract against its OpenAPI document: documented methods served,
 * others 405 with a correct Allow, OPTIONS and HEAD truthful, problem+json bodies valid, unknown
 * paths 404 and unknown methods 501. `{ app }` runs in-process through `app.inject()`;
 * `{ baseUrl }` over HTTP to that server only. Rejects with a coded error when the options, the
 * document or the network make an audit impossible; violations are in the report, not errors.
 */
export async function audit (options: AuditOptions): Promise<AuditReport> {
  if (typeof options !== 'object' || options === null) invalid('pass an options object: audit({ app }) or audit({ baseUrl, openapi })')
  const { app, baseUrl, openapi } = options
  if ((app === undefined) === (baseUrl === undefined)) invalid('pass either `app` (a Fastify instance) or `baseUrl` (an http(s) URL), not both or neither')
  if (app !== undefined && (typeof app !== 'object' || app === null || typeof app.inject !== 'function')) invalid('option "app" must be a Fastify instance (it has no inject())')
  if (openapi !== undefined && typeof openapi !== 'string' && (typeof openapi !== 'object' || openapi === null || Array.isArray(openapi))) {
    invalid('option "openapi" must be a document object, a file path or an http(s) URL')
  }
  const http: HttpOptions = {
    concurrency: positiveInteger(options, 'concurrency'),
    timeout: positiveInteger(options, 'timeout'),
    headers: checkHeaders(options.headers),
    tls: options.tls
  }
  const maxRequests = positiveInteger(options, 'maxRequests')
  const maxDocumentSize = positiveInteger(options, 'maxDocumentSize')
  const basePath = checkBasePath(options.basePath)
  const base = app === undefined ? baseUrlOf(baseUrl) : undefined
  const started = performance.now()
  // the deadline and the stop on a server that gives no HTTP answer (bounds.ts)
  const bounds = auditBounds({ deadline: positiveInteger(options, 'deadline'), base, timeout: http.timeout })
  http.signal = bounds.signal

  let transport: Transport
  let target: string
  let basePrefix = ''
  let display: (path: string) => string
  if (app !== undefined) {
    await (app as InjectableApp).ready()
    transport = bounds.watch(injectTransport(app as InjectableApp, http.headers))
    target = 'in-process'
    display = path => path
  } else {
    basePrefix = (base as URL).pathname.replace(/\/+$/, '')
    transport = bounds.watch(httpTransport(base as URL, http))
    target = (base as URL).origin + basePrefix
    display = path => (base as URL).origin + path
  }

  try {
    const { document, source } = await bounds.loading(loadDocument({ openapi, app, transport, basePrefix, display, http, maxDocumentSize }))
    options.onDocument?.(source)
    if (document.paths.length === 0) throw new FST_ALLOWED_METHODS_AUDIT_DOCUMENT(`the document has no paths: nothing to audit (${source}); is it the right document?`)
    const documentBase = basePath ?? document.basePath
    const plan = planAudit(document, requestPrefix(basePrefix, documentBase))
    if (plan.requests.length > maxRequests) {
      invalid(`the document needs ${plan.requests.length} requests, more than maxRequests (${maxRequests}); raise it (--max-requests) to audit every path`)
    }
    bounds.startRun()
    // on each URL, GET and HEAD are answered before a PUT or DELETE is sent (schedule.ts)
    const answered = await runBounded(plan.requests, http.concurrency, inResourceOrder(plan.requests, r => transport.send(r.method, r.url)), options.onProgress)
    const answers = new Map(plan.requests.map((r, i) => [answerKey(r.method, r.url), answered[i]]))
    await bounds.finishRun()
    const { results, incomplete } = bounds.complete(evaluate(plan, answers), plan.requests.length)
    const failed = results.filter(r => r.verdict === 'fail')
    const failingPaths = new Set(failed.map(r => r.path))
    const documentedPaths = new Set(document.paths.map(p => p.path))
    return {
      target,
      document: {
        source,
        version: document.version,
        ...(document.title === undefined ? {} : { title: document.title }),
        basePath: documentBase,
        paths: document.paths.length
      },
      results,
      summary: {
        checks: results.length,
        passed: results.length - failed.length,
        failed: failed.length,
        paths: document.paths.length,
        failingPaths: [...failingPaths].filter(p => documentedPaths.has(p)).length,
        requests: plan.requests.length,
        durationMs: Math.round(performance.now() - started)
      },
      ok: failed.length === 0 && incomplete === undefined,
      ...(incomplete === undefined ? {} : { incomplete })
    }
  } finally {
    bounds.stop()
    transport.close()
  }
}
