import { compareMethods } from '../../methods'
import type { ApiOperation, ApiPath } from '../../openapi/document'
import type { PathPlan } from '../plan'
import { STANDARD_METHODS, UNREGISTERED_METHOD } from '../plan'
import type { Answer, CheckName, CheckResult } from '../types'
import { answerKey, core, describe, isRedirect, list, mayBeUnimplemented, parseAllow, redirectTo, refused, sameSet, served } from './answers'
import type { Answers, Finding } from './answers'
import { headFinding } from './head'
import { problemFinding } from './problem'
import { unregisteredFinding } from './unknown'

/** A media type without parameters, lower case: `application/json; charset=utf-8` -> `application/json`. */
function mediaType (value: string): string {
  return value.split(';')[0].trim().toLowerCase()
}

/** Whether the media range `range` (`*\/*`, `application/*`, or a type) covers `type`. */
function covers (range: string, type: string): boolean {
  if (range === type || range === '*/*') return true
  return range.endsWith('/*') && type.startsWith(range.slice(0, -1))
}

/** Within one method, the check that describes the answer comes first (the table shows its `got`). */
const CHECK_ORDER: CheckName[] = ['parameters', 'served', 'not-allowed', 'options', 'unknown-method', 'unknown-path', 'head', 'problem']

/**
 * What one documented path's answers say; builds its results. The methods expected on its URL are
 * those of every documented template that matches the URL (`plan.templates`), as a router would
 * match them: `/items/special` gets the methods of `/items/{id}` too.
 */
export class PathAudit {
  readonly results: CheckResult[] = []
  private readonly documented: Set<string>
  /** Methods that routes hidden with `config.allow.hide: true` serve here, left out of the document on purpose. */
  private readonly hidden: Set<string>
  private readonly documentedCore: string[]
  /** The templates that match the URL, in words: `/items/special`, or `/items/special or /items/{id} (...)`. */
  private readonly templatesText: string

  constructor (private readonly plan: PathPlan, private readonly answers: Answers, private readonly documentedMethods: ReadonlySet<string> = new Set()) {
    this.documented = new Set(plan.templates.flatMap(t => t.methods))
    this.hidden = new Set(plan.templates.flatMap(t => t.hidden ?? []).filter(m => !this.documented.has(m)))
    this.documentedCore = core(this.documented)
    this.templatesText = plan.templates.length === 1
      ? plan.api.path
      : `${plan.templates.map(t => t.path).join(' or ')} (the documented paths that match ${plan.url})`
  }

  /** The templates that document `method`, the path's own first. */
  private templatesOf (method: string): ApiPath[] {
    return this.plan.templates.filter(t => t.operations.has(method))
  }

  /** `GET /items/special`, or `DELETE /items/{id} (which matches /items/special)` when another template documents it. */
  private documentedAs (method: string): string {
    const source = this.templatesOf(method)[0]
    return source === this.plan.api ? `${method} ${source.path}` : `${method} ${source.path} (which matches ${this.plan.url})`
  }

  answer (method: string): Answer {
    return this.answers.get(answerKey(method, this.plan.url)) as Answer
  }

  add (method: string, check: CheckName, expected: string, got: string, problems: string[], passReason: string): void {
    this.results.push({
      path: this.plan.api.path,
      url: this.plan.url,
      method,
      check,
      expected,
      got,
      verdict: problems.length === 0 ? 'pass' : 'fail',
      reason: problems.length === 0 ? passReason : problems.join(' ')
    })
  }

  /** Allow values of the 405 answers on this URL. */
  private allowOf405 (): string[][] {
    return this.plan.methods
      .map(m => this.answer(m))
      .filter(a => a.status === 405)
      .map(a => parseAllow(a))
      .filter((allow): allow is string[] => allow !== undefined && allow.length > 0)
  }

  /** "Allow lists HEAD but HEAD answered 405" for HEAD and OPTIONS, the methods a document usually omits. */
  private listedButNotServed (allow: string[], where: string): string[] {
    const out: string[] = []
    for (const method of ['HEAD', 'OPTIONS']) {
      if (!allow.includes(method) || this.documented.has(method)) continue
      const answer = this.answer(method)
      if (refused(answer)) out.push(`${where} lists ${method}, but ${method} ${this.plan.url} answered ${describe(answer)}.`)
    }
    return out
  }

  /** Differences between an Allow list and the documented methods, HEAD and OPTIONS aside. */
  private allowAgainstDocument (allow: string[], who: string): string[] {
    const got = core(allow)
    const extra = got.filter(m => !this.documentedCore.includes(m))
    const missing = this.documentedCore.filter(m => !got.includes(m))
    const out: string[] = []
    if (extra.length > 0) out.push(`${who} lists ${list(extra)}, which the document does not have for ${this.templatesText}.`)
    if (missing.length > 0) {
      const sources = this.plan.templates.length === 1 ? '' : ` for ${[...new Set(missing.map(m => this.templatesOf(m)[0].path))].join(' and ')}`
      out.push(`${who} leaves out ${list(missing)}, which the document lists${sources}.`)
    }
    return out
  }

  checkServed (method: string): void {
    const answer = this.answer(method)
    const expected = 'served (any status but 404, 405 or 501)'
    const got = describe(answer)
    const documentedAs = this.documentedAs(method)
    const templates = this.templatesOf(method)
    const templated = templates.some(t => t.path.includes('{'))
    const lists = (code: string): boolean => templates.some(t => (t.operations.get(method) as ApiOperation).responses.some(r => r.toUpperCase() === code))
    if (answer.error !== undefined) {
      this.add(method, 'served', expected, got, [`${method} ${this.plan.url} got no answer: ${answer.error}.`], '')
      return
    }
    if (served(answer)) {
      this.add(method, 'served', expected, got, [], `${documentedAs} is documented and answered ${answer.status}.`)
      return
    }
    if (isRedirect(answer)) {
      if (lists(String(answer.status)) || lists('3XX')) {
        this.add(method, 'served', expected, got, [], `${method} ${this.plan.url} answered ${answer.status}, ${redirectTo(answer)}, a response the document lists for this operation.`)
      } else {
        this.add(method, 'served', expected, got, [`${method} ${this.plan.url} answered ${answer.status}, ${redirectTo(answer)}: neither served nor refused, and the audit does not follow redirects. Document the redirect for this operation, or audit the URL it points to (is the base URL right?).`], '')
      }
      return
    }
    if (answer.status === 404 && templated) {
      if (lists('404') || lists('4XX')) {
        this.add(method, 'served', expected, got, [], `${method} ${this.plan.url} answered 404, a response the document lists for this operation: the route exists, the example resource does not.`)
        return
      }
      if (this.allowOf405().some(allow => allow.includes(method))) {
        this.add(method, 'served', expected, got, [], `${method} ${this.plan.url} answered 404, but the 405 answers on the same URL list ${method} in Allow: the route exists, the example resource does not.`)
        return
      }
    }
    const why: Record<number, string> = {
      404: `the server has no route for it${templated ? ` (or none that matches the parameter values the audit sent: ${this.plan.url})` : ''}.`,
      405: 'the server says the method is not allowed here.',
      501: 'the server says it does not implement the method at all.'
    }
    this.add(method, 'served', expected, got, [`The document lists ${documentedAs}, but ${method} ${this.plan.url} answered ${answer.status}: ${why[answer.status]}`], '')
  }

  checkNotAllowed (method: string): void {
    const answer = this.answer(method)
    // a 501 is accepted for a method the document has on no path; the expectation says so when it came
    const unimplemented = answer.status === 501 && mayBeUnimplemented(method, this.documentedMethods)
    const expected = `405 with Allow: ${list(this.documentedCore)} (HEAD and OPTIONS may be added)${unimplemented ? `, or 501 (the document has ${method} on no path)` : ''}`
    const got = describe(answer)
    const notDocumented = this.plan.templates.length === 1
      ? `${method} is not documented for ${this.plan.api.path}`
      : `${method} is documented for none of ${this.templatesText}`
    const head = `${notDocumented},`
    const problems: string[] = []
    if (answer.error !== undefined) {
      problems.push(`${method} ${this.plan.url} got no answer: ${answer.error}.`)
    } else if (unimplemented) {
      this.add(method, 'not-allowed', expected, got, [], `${notDocumented}, and the document has ${method} on no path: the server answered 501 Not Implemented, as a server may for a method it implements on no resource (RFC 9110 sections 9.1 and 15.6.2), like PURGE.`)
      return
    } else if (isRedirect(answer)) {
      problems.push(`${head} and the server answered ${answer.status}, ${redirectTo(answer)}: neither served nor refused. An undocumented method gets 405 Method Not Allowed with an Allow header.`)
    } else if (answer.status === 404) {
      problems.push(`${head} but the server answered 404 Not Found for a path that exists: a client cannot tell a wrong method from a wrong URL. Answer 405 Method Not Allowed with an Allow header (RFC 9110 section 15.5.6).`)
    } else if (answer.status === 501) {
      problems.push(`${head} and the server answered 501, which says no resource supports ${method}; but the document has ${method} on other paths, so the answer here is 405 with Allow.`)
    } else if (answer.status !== 405) {
      problems.push(`${head} but the server answered ${answer.status}${answer.status < 400 ? ': it serves a method the document does not list. Document it, or answer 405' : ' instead of 405 Method Not Allowed'}.`)
    } else {
      const allow = parseAllow(answer)
      if (allow === undefined || allow.length === 0) {
        problems.push(`The 405 for ${method} ${this.plan.url} has ${allow === undefined ? 'no' : 'an empty'} Allow header: RFC 9110 section 15.5.6 requires one listing the methods the path supports.`)
      } else {
        problems.push(...this.allowAgainstDocument(allow, 'Allow'))
        if (allow.includes(method)) problems.push(`Allow lists ${method} itself, the method that was just refused.`)
        problems.push(...this.listedButNotServed(allow, 'Allow'))
      }
    }
    this.add(method, 'not-allowed', expected, got, problems, `${notDocumented}, and the server answered 405 with an Allow header that matches the document.`)
  }

  /**
   * A method the document leaves out because fastify-allowed-methods hid its route
   * (`config.allow.hide: true`): the route serves it, unlisted, so no 405 (or 501) is expected.
   */
  checkHidden (method: string, check: CheckName): void {
    const answer = this.answer(method)
    const problems = answer.error === undefined ? [] : [`${method} ${this.plan.url} got no answer: ${answer.error}.`]
    this.add(method, check, 'served by a route hidden with config.allow.hide: true (no 405 expected)', describe(answer), problems,
      `${method} ${this.plan.api.path} is served by a route hidden with config.allow.hide: true, which fastify-allowed-methods left out of the document and of Allow on purpose; it answered ${answer.status}.`)
  }

  checkOptions (): void {
    const answer = this.answer('OPTIONS')
    const got = describe(answer, true)
    const from405 = this.allowOf405()
    const allow = parseAllow(answer)
    const problems: string[] = []
    if (this.documented.has('OPTIONS')) {
      // the document has its own OPTIONS operation: its served check covers the status; an Allow
      // value it states (as fastify-allowed-methods' OpenAPI export writes it) must be the truth
      const source = this.templatesOf('OPTIONS').find(t => (t.operations.get('OPTIONS') as ApiOperation).allow !== undefined)
      if (source === undefined || !served(answer)) return
      const documentedAllow = (source.operations.get('OPTIONS') as ApiOperation).allow as string[]
      if (allow === undefined || !sameSet(allow, documentedAllow)) {
        problems.push(`The document says OPTIONS ${source.path} answers Allow: ${list(documentedAllow)}, but the server sent ${allow === undefined ? 'no Allow' : `Allow: ${list(allow)}`}.`)
      }
      problems.push(...this.against405(allow ?? [], from405))
      this.add('OPTIONS', 'options', `Allow: ${list(documentedAllow)} (as documented)`, got, problems, 'OPTIONS answered with the Allow value the document states, the same as the 405 answers.')
      return
    }
    const expected = from405.length > 0
      ? `2xx with the Allow of the 405 answers: ${list(from405[0])}`
      : `2xx with Allow: ${list(this.documentedCore)} (HEAD and OPTIONS may be added)`
    if (answer.error !== undefined) {
      problems.push(`OPTIONS ${this.plan.url} got no answer: ${answer.error}.`)
    } else if (answer.status < 200 || answer.status > 299) {
      problems.push(`OPTIONS ${this.plan.url} answered ${answer.status}${isRedirect(answer) ? `, ${redirectTo(answer)}` : ''}: OPTIONS should tell a client which methods ${this.plan.api.path} supports, with a 2xx status and an Allow header (RFC 9110 section 9.3.7).`)
    } else if (allow === undefined || allow.length === 0) {
      problems.push(`OPTIONS ${this.plan.url} answered ${answer.status} without ${allow === undefined ? 'an' : 'a non-empty'} Allow header: a client learns nothing about the methods of ${this.plan.api.path}.`)
    } else {
      problems.push(...this.allowAgainstDocument(allow, 'The OPTIONS Allow'))
      problems.push(...this.against405(allow, from405))
      problems.push(...this.listedButNotServed(allow, 'The OPTIONS Allow'))
      problems.push(...this.acceptAgainstDocument(answer, 'PATCH', 'accept-patch', 'Accept-Patch'))
      problems.push(...this.acceptAgainstDocument(answer, 'POST', 'accept-post', 'Accept-Post'))
    }
    this.add('OPTIONS', 'options', expected, got, problems, `OPTIONS answered ${answer.status} with an Allow header that matches the document and the 405 answers.`)
  }

  /**
   * An `Accept-Patch` / `Accept-Post` the OPTIONS answer carries (RFC 5789 section 3.1, W3C LDP)
   * must list every media type the document gives the PATCH / POST request body of this URL (a
   * listed range such as `application/*` or `*\/*` covers it); listing more is not a violation.
   */
  private acceptAgainstDocument (answer: Answer, method: string, header: string, name: string): string[] {
    const value = answer.headers[header]
    const source = this.templatesOf(method).find(t => (t.operations.get(method) as ApiOperation).bodyTypes !== undefined)
    if (value === undefined || source === undefined) return []
    const documented = (source.operations.get(method) as ApiOperation).bodyTypes as string[]
    const listed = value.split(',').map(mediaType).filter(t => t !== '')
    const missing = documented.filter(t => !listed.some(l => covers(l, mediaType(t)) || covers(mediaType(t), l)))
    if (missing.length === 0) return []
    return [`The document says ${this.documentedAs(method)} accepts ${missing.join(', ')}, but the OPTIONS answer's ${name} lists only ${listed.join(', ')}.`]
  }

  /** OPTIONS and the 405 answers of one URL must tell the same Allow. */
  private against405 (allow: string[], from405: string[][]): string[] {
    const differing = from405.find(other => !sameSet(other, allow))
    return differing === undefined ? [] : [`OPTIONS says ${allow.length === 0 ? 'no Allow' : `Allow: ${list(allow)}`}, but the 405 answers say Allow: ${list(differing)}.`]
  }

  record (method: string, check: CheckName, finding: Finding): void {
    this.add(method, check, finding.expected, finding.got, finding.problems, finding.pass)
  }

  /** A path parameter with no value that satisfies its schema: one failed result, nothing sent. */
  private checkUnsendable (parameter: string, reason: string): CheckResult[] {
    const path = this.plan.api.path
    this.add('*', 'parameters', 'a value for every path parameter that satisfies its schema', `no value for {${parameter}}`, [
      `The path parameter {${parameter}} of ${path} has no value the audit can send: ${reason}. ${path} was not requested; give the parameter an example that satisfies its schema.`
    ], '')
    return this.results
  }

  run (): CheckResult[] {
    if (this.plan.unsendable !== undefined) return this.checkUnsendable(this.plan.unsendable.parameter, this.plan.unsendable.reason)
    const hasGet = this.documented.has('GET')
    for (const method of this.plan.methods) {
      if (this.documented.has(method)) this.checkServed(method)
      else if (this.hidden.has(method)) this.checkHidden(method, method === UNREGISTERED_METHOD ? 'unknown-method' : 'not-allowed')
      else if (STANDARD_METHODS.includes(method) && method !== 'OPTIONS' && !(method === 'HEAD' && hasGet)) this.checkNotAllowed(method)
    }
    this.checkOptions()
    if (hasGet) this.record('HEAD', 'head', headFinding(this.plan.url, this.answer('GET'), this.answer('HEAD')))
    // every 405 or 501 that claims application/problem+json (HEAD has no body to check)
    for (const method of this.plan.methods) {
      const finding = method === 'HEAD' ? undefined : problemFinding(this.answer(method))
      if (finding !== undefined) this.record(method, 'problem', finding)
    }
    if (!this.documented.has(UNREGISTERED_METHOD) && !this.hidden.has(UNREGISTERED_METHOD)) this.record(UNREGISTERED_METHOD, 'unknown-method', unregisteredFinding(this.plan.url, this.answer(UNREGISTERED_METHOD)))
    return this.results.sort((a, b) => compareMethods(a.method, b.method) || CHECK_ORDER.indexOf(a.check) - CHECK_ORDER.indexOf(b.check))
  }
}
