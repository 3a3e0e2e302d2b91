import { UNREGISTERED_METHOD } from '../plan'
import type { Answer, CheckResult } from '../types'
import { describe, parseAllow } from './answers'
import type { Finding } from './answers'

/** PURGE, which no route implements, must get 501, or 405 with Allow. */
export function unregisteredFinding (url: string, answer: Answer): Finding {
  const allow = parseAllow(answer)
  const problems: string[] = []
  if (answer.error !== undefined) {
    problems.push(`${UNREGISTERED_METHOD} ${url} got no answer: ${answer.error}.`)
  } else if (answer.status === 405) {
    if (allow === undefined || allow.length === 0) problems.push(`The 405 for ${UNREGISTERED_METHOD} has no Allow header: RFC 9110 section 15.5.6 requires one.`)
  } else if (answer.status !== 501) {
    problems.push(`${UNREGISTERED_METHOD} is a method no route implements; the server answered ${answer.status}, where 501 Not Implemented (RFC 9110 section 15.6.2) or 405 with Allow is expected.`)
  }
  return {
    expected: '501, or 405 with Allow',
    got: describe(answer),
    problems,
    pass: `${UNREGISTERED_METHOD} answered ${answer.status}${answer.status === 501 ? ' Not Implemented' : ' with an Allow header'}.`
  }
}

/** A path the document does not have must answer 404, without Allow. */
export function unknownPathResult (url: string, method: string, answer: Answer): CheckResult {
  const allow = parseAllow(answer)
  const problems: string[] = []
  if (answer.error !== undefined) {
    problems.push(`${method} ${url} got no answer: ${answer.error}.`)
  } else if (answer.status !== 404) {
    problems.push(`${url} is not in the document, but ${method} answered ${answer.status}${answer.status < 400 ? ': a route (a catch-all?) serves it. Document it, or answer 404' : ' instead of 404 Not Found'}.`)
  } else if (allow !== undefined) {
    problems.push(`The 404 carries an Allow header (${allow.join(', ')}); Allow says the resource exists, a 404 says it does not.`)
  }
  return {
    path: url,
    url,
    method,
    check: 'unknown-path',
    expected: '404 without Allow',
    got: describe(answer),
    verdict: problems.length === 0 ? 'pass' : 'fail',
    reason: problems.length === 0 ? `${method} on a path the document does not have answered 404 without Allow.` : problems.join(' ')
  }
}
