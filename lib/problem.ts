import type { ProblemStatus } from './options'

const TITLES: Record<ProblemStatus, string> = {
  405: 'Method Not Allowed',
  501: 'Not Implemented'
}

/** An RFC 9457 problem details object, as this plugin sends it. */
export interface AllowedMethodsProblem {
  type: string
  title: string
  status: ProblemStatus
  detail: string
  instance: string
  /** Extension member: the methods of the Allow header (405 only). */
  allow?: string[]
}

/** The request path without its query string: the `instance` member. */
export function instanceOf (url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

/** Builds the problem object for a 405 (with `allow`) or a 501 (without). */
export function buildProblem (status: ProblemStatus, type: string, method: string, instance: string, allow?: string[]): AllowedMethodsProblem {
  const detail = status === 405
    ? `The ${method} method is not allowed for ${instance}. Allowed methods: ${(allow as string[]).join(', ')}.`
    : `The ${method} method is not implemented by this server.`
  const problem: AllowedMethodsProblem = { type, title: TITLES[status], status, detail, instance }
  if (allow !== undefined) problem.allow = allow
  return problem
}

/** A JSON string literal's content: `JSON.stringify(s)` without its quotes. */
function jsonInner (s: string): string {
  const json = JSON.stringify(s)
  return json.slice(1, json.length - 1)
}

/** The start of each status's problem document for the last problem type seen (the type rarely changes). */
const prefixes: Record<ProblemStatus, { type: string, prefix: string }> = {
  405: { type: '', prefix: '' },
  501: { type: '', prefix: '' }
}

/** `{"type":<type>,"title":<title>,"status":<status>,"detail":"The ` for this status and type. */
function prefixOf (status: ProblemStatus, type: string): string {
  const last = prefixes[status]
  if (type !== last.type || last.prefix === '') {
    last.prefix = '{"type":' + JSON.stringify(type) + ',"title":"' + TITLES[status] + '","status":' + status + ',"detail":"The '
    last.type = type
  }
  return last.prefix
}

/**
 * The 405 problem document as JSON, byte for byte `JSON.stringify(buildProblem(405, ...))`, built
 * from the parts that are the same for every request (`allowJson`: the methods as JSON) instead
 * of an object: a 405 is answered on the 404 path of every request with a wrong method. JSON
 * escapes each character on its own, so an escaped part can be spliced between ASCII text (a
 * surrogate pair cannot straddle a boundary: every neighbour of `method` and `instance` is ASCII).
 */
export function notAllowedJson (type: string, method: string, instance: string, allowHeader: string, allowJson: string): string {
  const inst = jsonInner(instance)
  // methods and allowHeader are HTTP tokens (no character JSON escapes), but HTTP/2 lets a client send any method
  return prefixOf(405, type) + jsonInner(method) + ' method is not allowed for ' + inst + '. Allowed methods: ' + allowHeader +
    '.","instance":"' + inst + '","allow":' + allowJson + '}'
}

/** The 501 problem document as JSON, byte for byte `JSON.stringify(buildProblem(501, ...))`, built like notAllowedJson(). */
export function notImplementedJson (type: string, method: string, instance: string): string {
  return prefixOf(501, type) + jsonInner(method) + ' method is not implemented by this server.","instance":"' + jsonInner(instance) + '"}'
}
