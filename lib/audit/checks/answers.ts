import { sortMethods } from '../../methods'
import type { Answer } from '../types'

/** Answers by `METHOD url`. */
export type Answers = Map<string, Answer>

/** What one check found: what was expected, what came, and the problems (none when it passes). */
export interface Finding {
  expected: string
  got: string
  problems: string[]
  /** The reason given when there is no problem. */
  pass: string
}

/** Statuses that mean "this method is not served here". */
const NOT_SERVED = new Set([404, 405, 501])

export function answerKey (method: string, url: string): string {
  return `${method} ${url}`
}

/** The methods of an Allow header, upper case; undefined when there is no Allow header. */
export function parseAllow (answer: Answer): string[] | undefined {
  const header = answer.headers.allow
  if (header === undefined) return undefined
  return header.split(',').map(m => m.trim().toUpperCase()).filter(m => m.length > 0)
}

/** A 3xx answer: neither served nor refused (the audit does not follow redirects). */
export function isRedirect (answer: Answer): boolean {
  return answer.error === undefined && answer.status >= 300 && answer.status <= 399
}

/** `a redirect to /login` / `a redirect with no Location`. */
export function redirectTo (answer: Answer): string {
  const location = answer.headers.location
  return location === undefined ? 'a redirect with no Location' : `a redirect to ${location}`
}

/**
 * `405, Allow: GET, HEAD` / `405, no Allow` / `200` / `302, Location: /login` / `no answer (...)`:
 * "no Allow" where one is due.
 */
export function describe (answer: Answer, allowDue = answer.status === 405): string {
  if (answer.error !== undefined) return `no answer (${answer.error})`
  if (isRedirect(answer)) return `${answer.status}, ${answer.headers.location === undefined ? 'no Location' : `Location: ${answer.headers.location}`}`
  const allow = parseAllow(answer)
  if (allow === undefined) return allowDue ? `${answer.status}, no Allow` : String(answer.status)
  return `${answer.status}, Allow: ${allow.length === 0 ? '(empty)' : allow.join(', ')}`
}

/** Served: an answer, not 404, 405 or 501, and not a redirect. */
export function served (answer: Answer): boolean {
  return answer.error === undefined && !NOT_SERVED.has(answer.status) && !isRedirect(answer)
}

/** Refused or unanswered: no answer, or 404, 405 or 501 (a redirect is neither served nor refused). */
export function refused (answer: Answer): boolean {
  return answer.error !== undefined || NOT_SERVED.has(answer.status)
}

/**
 * Methods a server may answer with 501 on every path (RFC 9110 sections 9.1 and 15.6.2): those it
 * implements on no resource, which the document has on no path. GET and HEAD are required of every
 * server, and OPTIONS is expected on every path (the options check).
 */
export function mayBeUnimplemented (method: string, documentedMethods: ReadonlySet<string>): boolean {
  return !documentedMethods.has(method) && method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS'
}

export function list (methods: string[]): string {
  return methods.join(', ')
}

/** The methods without HEAD and OPTIONS, which documents usually leave out. */
export function core (methods: Iterable<string>): string[] {
  return sortMethods([...methods].filter(m => m !== 'HEAD' && m !== 'OPTIONS'))
}

export function sameSet (a: string[], b: string[]): boolean {
  const sa = new Set(a)
  const sb = new Set(b)
  return sa.size === sb.size && [...sa].every(m => sb.has(m))
}

export function mediaType (answer: Answer): string {
  return (answer.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
}
