import { compareMethods, sortMethods } from '../methods'
import type { ApiOperation } from './document'
import type { PathPlan, Plan } from './plan'
import { STANDARD_METHODS, UNREGISTERED_METHOD } from './plan'
import type { Answer, CheckName, CheckResult } from './types'

/** Answers by `METHOD url`. */
export type Answers = Map<string, Answer>

/** Statuses that mean "this method is not served here". */
const NOT_SERVED = new Set([404, 405, 501])
/** Headers a HEAD answer must carry like the GET answer (RFC 9110 section 9.3.2). */
const MIRRORED = ['content-type', 'content-encoding', 'content-language', 'etag', 'last-modified', 'cache-control', 'vary', 'location']
/** Within one method, the check that describes the answer comes first (the table shows its `got`). */
const CHECK_ORDER: CheckName[] = ['served', 'not-allowed', 'options', 'unknown-method', 'unknown-path', 'head', 'problem']

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

function served (answer: Answer): boolean {
  return answer.error === undefined && !NOT_SERVED.has(answer.status)
}

function list (methods: string[]): string {
  return methods.join(', ')
}

function core (methods: Iterable<string>): string[] {
  return sortMethods([...methods].filter(m => m !== 'HEAD' && m !== 'OPTIONS'))
}

function sameSet (a: string[], b: string[]): boolean {
  const sa = new Set(a)
  const sb = new Set(b)
  return sa.size === sb.size && [...sa].every(m => sb.has(m))
}

function mediaType (answer: Answer): string {
  return (answer.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
}

/** What one documented path's answers say; builds its results. */
class PathAudit {
  readonly results: CheckResult[] = []
  private readonly documented: Set<string>
  private readonly documentedCore: string[]
  private readonly templated: boolean

  constructor (private readonly plan: PathPlan, private readonly answers: Answers) {
    this.documented = new Set(plan.api.methods)
    this.documentedCore = core(plan.api.methods)
    this.templated = plan.api.path.includes('{')
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
      if (!served(answer)) out.push(`${where} lists ${method}, but ${method} ${this.plan.url} answered ${describe(answer)}.`)
    }
    return out
  }

  /** Differences between an Allow list and the documented methods, HEAD and OPTIONS aside. */
  private allowAgainstDocument (allow: string[], who: string): string[] {
    const got = core(allow)
    const extra = got.filter(m => !this.documentedCore.includes(m))
    const missing = this.documentedCore.filter(m => !got.includes(m))
    const out: string[] = []
    if (extra.length > 0) out.push(`${who} lists ${list(extra)}, which the document does not have for ${this.plan.api.path}.`)
    if (missing.length > 0) out.push(`${who} leaves out ${list(missing)}, which the document lists.`)
    return out
  }

  checkServed (method: string): void {
    const answer = this.answer(method)
    const expected = 'served (any status but 404, 405 or 501)'
    const got = describe(answer)
    const path = this.plan.api.path
    if (answer.error !== undefined) {
      this.add(method, 'served', expected, got, [`${method} ${this.plan.url} got no answer: ${answer.error}.`], '')
      return
    }
    if (served(answer)) {
      this.add(method, 'served', expected, got, [], `${method} ${path} is documented and answered ${answer.status}.`)
      return
    }
    if (answer.status === 404 && this.templated) {
      const { responses } = this.plan.api.operations.get(method) as ApiOperation
      if (responses.includes('404') || responses.includes('4XX')) {
        this.add(method, 'served', expected, got, [], `${method} ${this.plan.url} answered 404, a response the document lists for this operation: the route exists, the example resource does not.`)
        return
      }
      if (this.allowOf405().some(allow => allow.includes(method))) {
        this.add(method, 'served', expected, got, [], `${method} ${this.plan.url} answered 404, but the 405 answers on the same URL list ${method} in Allow: the route exists, the example resource does not.`)
        return
      }
    }
    const why: Record<number, string> = {
      404: `the server has no route for it${this.templated ? ` (or none that matches the parameter values the audit sent: ${this.plan.url})` : ''}.`,
      405: 'the server says the method is not allowed here.',
      501: 'the server says it does not implement the method at all.'
    }
    this.add(method, 'served', expected, got, [`The document lists ${method} ${path}, but ${method} ${this.plan.url} answered ${answer.status}: ${why[answer.status]}`], '')
  }

  checkNotAllowed (method: string): void {
    const answer = this.answer(method)
    const expected = `405 with Allow: ${list(this.documentedCore)} (HEAD and OPTIONS may be added)`
    const got = describe(answer)
    const head = `${method} is not documented for ${this.plan.api.path},`
    const problems: string[] = []
    if (answer.error !== undefined) {
      problems.push(`${method} ${this.plan.url} got no answer: ${answer.error}.`)
    } else if (answer.status === 404) {
      problems.push(`${head} but the server answered 404 Not Found for a path that exists: a client cannot tell a wrong method from a wrong URL. Answer 405 Method Not Allowed with an Allow header (RFC 9110 section 15.5.6).`)
    } else if (answer.status === 501) {
      problems.push(`${head} and the server answered 501, which says no resource supports ${method}; for a standard method on a path that exists the answer is 405 with Allow.`)
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
    this.add(method, 'not-allowed', expected, got, problems, `${method} is not documented for ${this.plan.api.path}, and the server answered 405 with an Allow header that matches the document.`)
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
      const documentedAllow = (this.plan.api.operations.get('OPTIONS') as ApiOperation).allow
      if (documentedAllow === undefined || !served(answer)) return
      if (allow === undefined || !sameSet(allow, documentedAllow)) {
        problems.push(`The document says OPTIONS ${this.plan.api.path} answers Allow: ${list(documentedAllow)}, but the server sent ${allow === undefined ? 'no Allow' : `Allow: ${list(allow)}`}.`)
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
      problems.push(`OPTIONS ${this.plan.url} answered ${answer.status}: OPTIONS should tell a client which methods ${this.plan.api.path} supports, with a 2xx status and an Allow header (RFC 9110 section 9.3.7).`)
    } else if (allow === undefined || allow.length === 0) {
      problems.push(`OPTIONS ${this.plan.url} answered ${answer.status} without ${allow === undefined ? 'an' : 'a non-empty'} Allow header: a client learns nothing about the methods of ${this.plan.api.path}.`)
    } else {
      problems.push(...this.allowAgainstDocument(allow, 'The OPTIONS Allow'))
      problems.push(...this.against405(allow, from405))
      problems.push(...this.listedButNotServed(allow, 'The OPTIONS Allow'))
    }
    this.add('OPTIONS', 'options', expected, got, problems, `OPTIONS answered ${answer.status} with an Allow header that matches the document and the 405 answers.`)
  }

  /** OPTIONS and the 405 answers of one URL must tell the same Allow. */
  private against405 (allow: string[], from405: string[][]): string[] {
    const differing = from405.find(other => !sameSet(other, allow))
    return differing === undefined ? [] : [`OPTIONS says ${allow.length === 0 ? 'no Allow' : `Allow: ${list(allow)}`}, but the 405 answers say Allow: ${list(differing)}.`]
  }

  checkHead (): void {
    const get = this.answer('GET')
    const head = this.answer('HEAD')
    const expected = `${get.error === undefined ? get.status : 'the status of GET'}, GET's headers, no body`
    const got = head.error === undefined
      ? `${head.status}${head.body.length > 0 ? `, ${head.body.length} bytes of body` : ', no body'}`
      : describe(head)
    const problems: string[] = []
    if (get.error !== undefined || head.error !== undefined) {
      problems.push(`HEAD can only be compared with GET when both answer (GET: ${describe(get)}; HEAD: ${describe(head)}).`)
    } else {
      if (head.status !== get.status) {
        problems.push(`HEAD ${this.plan.url} answered ${head.status} where GET answered ${get.status}: HEAD must answer exactly like GET, without the body (RFC 9110 section 9.3.2).`)
      } else {
        for (const name of MIRRORED) {
          const g = get.headers[name]
          const h = head.headers[name]
          if (g === h) continue
          if (h === undefined) problems.push(`HEAD lacks the ${name} header that GET sends (${g}).`)
          else if (g === undefined) problems.push(`HEAD sends a ${name} header (${h}) that GET does not.`)
          else problems.push(`The ${name} header differs: GET sends ${g}, HEAD sends ${h}.`)
        }
        const gl = get.headers['content-length']
        const hl = head.headers['content-length']
        // a HEAD answer may leave Content-Length out; when it gives one, it must be GET's
        if (gl !== undefined && hl !== undefined && gl !== hl) problems.push(`HEAD says content-length ${hl}, GET sends ${gl} bytes.`)
      }
      if (head.body.length > 0) problems.push(`HEAD ${this.plan.url} sent ${head.body.length} bytes of body; an answer to HEAD has none.`)
    }
    this.add('HEAD', 'head', expected, got, problems, `HEAD answered ${head.status} like GET, with the same headers and no body.`)
  }

  /** Every 405 or 501 answer that claims application/problem+json. */
  checkProblems (): void {
    for (const method of this.plan.methods) this.checkProblem(method, this.answer(method))
  }

  checkProblem (method: string, answer: Answer): void {
    if ((answer.status !== 405 && answer.status !== 501) || method === 'HEAD' || mediaType(answer) !== 'application/problem+json') return
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
    this.add(method, 'problem', expected, got, problems, `The ${answer.status} body is a valid RFC 9457 problem object.`)
  }

  checkUnregistered (): void {
    const answer = this.answer(UNREGISTERED_METHOD)
    const allow = parseAllow(answer)
    const problems: string[] = []
    if (answer.error !== undefined) {
      problems.push(`${UNREGISTERED_METHOD} ${this.plan.url} got no answer: ${answer.error}.`)
    } else if (answer.status === 405) {
      if (allow === undefined || allow.length === 0) problems.push(`The 405 for ${UNREGISTERED_METHOD} has no Allow header: RFC 9110 section 15.5.6 requires one.`)
    } else if (answer.status !== 501) {
      problems.push(`${UNREGISTERED_METHOD} is a method no route implements; the server answered ${answer.status}, where 501 Not Implemented (RFC 9110 section 15.6.2) or 405 with Allow is expected.`)
    }
    this.add(UNREGISTERED_METHOD, 'unknown-method', '501, or 405 with Allow', describe(answer), problems, `${UNREGISTERED_METHOD} answered ${answer.status}${answer.status === 501 ? ' Not Implemented' : ' with an Allow header'}.`)
  }

  run (): CheckResult[] {
    const hasGet = this.documented.has('GET')
    for (const method of this.plan.methods) {
      if (this.documented.has(method)) this.checkServed(method)
      else if (STANDARD_METHODS.includes(method) && method !== 'OPTIONS' && !(method === 'HEAD' && hasGet)) this.checkNotAllowed(method)
    }
    this.checkOptions()
    if (hasGet) this.checkHead()
    this.checkProblems()
    if (!this.documented.has(UNREGISTERED_METHOD)) this.checkUnregistered()
    return this.results.sort((a, b) => compareMethods(a.method, b.method) || CHECK_ORDER.indexOf(a.check) - CHECK_ORDER.indexOf(b.check))
  }
}

function checkUnknownPath (url: string, method: string, answer: Answer): CheckResult {
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

/** Turns the answers to a plan's requests into check results: documented paths in order, then the unknown path. */
export function evaluate (plan: Plan, answers: Answers): CheckResult[] {
  const results: CheckResult[] = []
  for (const path of plan.paths) results.push(...new PathAudit(path, answers).run())
  if (plan.unknown !== undefined) {
    for (const method of plan.unknown.methods) {
      results.push(checkUnknownPath(plan.unknown.url, method, answers.get(answerKey(method, plan.unknown.url)) as Answer))
    }
  }
  return results
}
