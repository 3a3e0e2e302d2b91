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

/** `405, Allow: GET, HEAD` / `405, no Allow` / `200` / `no answer (...)`: "no Allow" where one is due. */
export function describe (answer: Answer, allowDue = answer.status === 405): string {
  if (answer.error !== undefined) return `no answer (${answer.error})`
  const allow = parseAllow(answer)
  if (allow === undefined) return allowDue ? `${answer.status}, no Allow` : String(answer.status)
  return `${answer.status}, Allow: ${allow.length === 0 ? '(empty)' : allow.join(', ')}`
}

export function served (answer: Answer): boolean {
  return answer.error === undefined && !NOT_SERVED.has(answer.status)
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
