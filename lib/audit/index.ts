import { validateHeaderName, validateHeaderValue } from 'node:http'
import { performance } from 'node:perf_hooks'
import { answerKey } from './checks/answers'
import { evaluate } from './checks/index'
import { FST_ALLOWED_METHODS_AUDIT_OPTION } from './errors'
import { httpTransport } from './http'
import type { HttpOptions } from './http'
import { loadDocument } from './load'
import { planAudit, requestPrefix } from './plan'
import { injectTransport, runBounded } from './transport'
import type { Transport } from './transport'
import type { AuditOptions, AuditReport, InjectableApp } from './types'

export type { Answer, AuditOptions, AuditReport, CheckName, CheckResult, InjectableApp, Verdict } from './types'
export { FST_ALLOWED_METHODS_AUDIT_DOCUMENT, FST_ALLOWED_METHODS_AUDIT_NETWORK, FST_ALLOWED_METHODS_AUDIT_OPTION } from './errors'
export { formatReport } from './report'
export type { ReportFormat } from './report'

const DEFAULTS = { concurrency: 8, timeout: 10_000, maxRequests: 10_000 }

function invalid (message: string): never {
  throw new FST_ALLOWED_METHODS_AUDIT_OPTION(message)
}

function positiveInteger (options: AuditOptions, name: 'concurrency' | 'timeout' | 'maxRequests'): number {
  const value = options[name]
  if (value === undefined) return DEFAULTS[name]
  if (!Number.isInteger(value) || value < 1) invalid(`option "${name}" must be a positive integer, got ${String(value)}`)
  return value
}

function checkHeaders (headers: unknown): Record<string, string> {
  if (headers === undefined) return {}
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) invalid('option "headers" must be an object of header names to string values')
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
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
  const started = performance.now()

  let transport: Transport
  let target: string
  let basePrefix = ''
  let display: (path: string) => string
  if (app !== undefined) {
    await (app as InjectableApp).ready()
    transport = injectTransport(app as InjectableApp, http.headers)
    target = 'in-process'
    display = path => path
  } else {
    const base = baseUrlOf(baseUrl)
    basePrefix = base.pathname.replace(/\/+$/, '')
    transport = httpTransport(base, http)
    target = base.origin + basePrefix
    display = path => base.origin + path
  }

  try {
    const { document, source } = await loadDocument({ openapi, app, transport, basePrefix, display, http })
    options.onDocument?.(source)
    const plan = planAudit(document, requestPrefix(basePrefix, document.basePath))
    if (plan.requests.length > maxRequests) {
      invalid(`the document needs ${plan.requests.length} requests, more than maxRequests (${maxRequests}); raise it (--max-requests) to audit every path`)
    }
    const answered = await runBounded(plan.requests, http.concurrency, r => transport.send(r.method, r.url), options.onProgress)
    const answers = new Map(plan.requests.map((r, i) => [answerKey(r.method, r.url), answered[i]]))
    const results = evaluate(plan, answers)
    const failed = results.filter(r => r.verdict === 'fail')
    const failingPaths = new Set(failed.map(r => r.path))
    const documentedPaths = new Set(document.paths.map(p => p.path))
    return {
      target,
      document: {
        source,
        version: document.version,
        ...(document.title === undefined ? {} : { title: document.title }),
        basePath: document.basePath,
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
      ok: failed.length === 0
    }
  } finally {
    transport.close()
  }
}
