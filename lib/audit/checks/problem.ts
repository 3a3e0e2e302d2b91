import type { Answer } from '../types'
import { mediaType } from './answers'
import type { Finding } from './answers'

/**
 * A 405 or 501 that says application/problem+json must carry a valid RFC 9457 object whose
 * `status` is the HTTP status. Undefined for any other answer (nothing is claimed).
 */
export function problemFinding (answer: Answer): Finding | undefined {
  if ((answer.status !== 405 && answer.status !== 501) || mediaType(answer) !== 'application/problem+json') return undefined
  const expected = `an RFC 9457 problem object with "status": ${answer.status}`
  const problems: string[] = []
  let body: unknown
  try {
    body = JSON.parse(answer.body.toString('utf8'))
  } catch {
    body = undefined
  }
  let got = body === undefined ? 'not JSON' : 'JSON, not an object'
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    problems.push(`The ${answer.status} says application/problem+json, but its body is not a JSON object.`)
  } else {
    const problem = body as Record<string, unknown>
    got = `"status": ${JSON.stringify(problem.status)}`
    for (const member of ['type', 'title', 'detail', 'instance']) {
      if (problem[member] !== undefined && typeof problem[member] !== 'string') {
        problems.push(`The "${member}" member must be a string (RFC 9457 section 3.1), got ${JSON.stringify(problem[member])}.`)
      }
    }
    if (problem.status !== answer.status) {
      problems.push(problem.status === undefined
        ? `The problem object has no "status" member; it should repeat the HTTP status ${answer.status}.`
        : `The problem object says "status": ${JSON.stringify(problem.status)}, but the HTTP status is ${answer.status}.`)
    }
  }
  return { expected, got, problems, pass: `The ${answer.status} body is a valid RFC 9457 problem object.` }
}
