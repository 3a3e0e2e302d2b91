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
