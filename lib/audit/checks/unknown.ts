import { UNREGISTERED_METHOD } from '../plan'
import type { Answer, CheckResult } from '../types'
import { describe, isRedirect, mayBeUnimplemented, parseAllow, redirectTo } from './answers'
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
    problems.push(`${UNREGISTERED_METHOD} is a method no route implements; the server answered ${answer.status}${isRedirect(answer) ? `, ${redirectTo(answer)} (neither served nor refused),` : ','} where 501 Not Implemented (RFC 9110 section 15.6.2) or 405 with Allow is expected.`)
  }
  return {
    expected: '501, or 405 with Allow',
    got: describe(answer),
    problems,
    pass: `${UNREGISTERED_METHOD} answered ${answer.status}${answer.status === 501 ? ' Not Implemented' : ' with an Allow header'}.`
  }
}

/**
 * A path the document does not have must answer 404, without Allow; or 501 for a method the
 * document has on no path (the server may implement it nowhere, RFC 9110 section 9.1).
 */
export function unknownPathResult (url: string, method: string, answer: Answer, documentedMethods: ReadonlySet<string> = new Set()): CheckResult {
  const allow = parseAllow(answer)
  const problems: string[] = []
  const unimplemented = answer.status === 501 && mayBeUnimplemented(method, documentedMethods)
  let pass = `${method} on a path the document does not have answered 404 without Allow.`
  if (answer.error !== undefined) {
    problems.push(`${method} ${url} got no answer: ${answer.error}.`)
  } else if (unimplemented) {
    pass = `${method} answered 501 Not Implemented: the document has ${method} on no path, and a server may refuse a method it implements on no resource with 501 (RFC 9110 sections 9.1 and 15.6.2).`
  } else if (isRedirect(answer)) {
    problems.push(`${url} is not in the document, but ${method} answered ${answer.status}, ${redirectTo(answer)}: neither served nor refused, instead of 404 Not Found.`)
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
    expected: `404 without Allow${unimplemented ? `, or 501 (the document has ${method} on no path)` : ''}`,
    got: describe(answer),
    verdict: problems.length === 0 ? 'pass' : 'fail',
    reason: problems.length === 0 ? pass : problems.join(' ')
  }
}
