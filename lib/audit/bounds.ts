import { FST_ALLOWED_METHODS_AUDIT_DOCUMENT, FST_ALLOWED_METHODS_AUDIT_NO_ANSWER } from './errors'
import { noAnswerKind, speaksTls } from './http'
import type { NoAnswerKind } from './http'
import type { Transport } from './transport'
import type { Answer, AuditReport, CheckResult } from './types'

/**
 * Bounds on a whole audit, whatever the order its requests go in: the overall deadline, and the
 * early stop when a server gives no HTTP answer at all (it hangs, closes every connection, speaks
 * something else, or TLS where HTTP was expected). Both watch the transport, nothing else.
 */

/**
 * Without a single HTTP answer, the audit stops once this many requests, or requests to this many
 * URLs, have failed the same way: a live server answers some of them (a wrong method gets its
 * router's 404 or 405 at once), so more waiting would only multiply the timeouts.
 */
export const NO_ANSWER_REQUESTS = 8
export const NO_ANSWER_URLS = 3

/** The error of a request the deadline cut: not sent, or sent and not answered in time. */
const CUT = 'not answered before the deadline'

interface Failure { url: string, kind: NoAnswerKind, error: string }

export interface BoundsOptions {
  /** Milliseconds for the whole audit, document included; undefined for no deadline. */
  deadline: number | undefined
  /** The server's base URL (undefined in-process): named in the messages, probed for TLS. */
  base: URL | undefined
  /** The time limit of one request, named when every request timed out. */
  timeout: number
}

export interface AuditBounds {
  /** Aborted when the deadline passes: HTTP requests still in flight end. */
  signal: AbortSignal
  /** `transport`, watched: after the deadline every send resolves as "not answered" at once. */
  watch (transport: Transport): Transport
  /** Loading the document, within the deadline. */
  loading<T> (load: Promise<T>): Promise<T>
  /** The audit's own requests start: only their answers count from here. */
  startRun (): void
  /** The requests are done: throws when none of them got an HTTP answer. */
  finishRun (): Promise<void>
  /** The results that the deadline left complete, and what it cut. */
  complete (results: CheckResult[], planned: number): { results: CheckResult[], incomplete?: AuditReport['incomplete'] }
  stop (): void
}

function plural (n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** What to say when a server gave no HTTP answer, by how its requests failed. */
const HINTS: Record<NoAnswerKind, (timeout: number) => string> = {
  timeout: timeout => `no answer within ${timeout} ms: the server accepts connections but does not answer`,
  closed: () => 'the server closes connections without answering',
  'not-http': () => 'the server answers with something that is not HTTP',
  tls: () => 'the TLS handshake fails: is it a plain HTTP server? Use an http:// base URL'
}

export function auditBounds (options: BoundsOptions): AuditBounds {
  const controller = new AbortController()
  const target = options.base?.origin ?? 'in-process'
  let expired = false
  let timer: NodeJS.Timeout | undefined
  const expiry = new Promise<void>((resolve) => {
    if (options.deadline === undefined) return
    timer = setTimeout(() => {
      expired = true
      controller.abort()
      resolve()
    }, options.deadline)
  })
  let answered = 0
  let failures: Failure[] = []
  let stopped: Promise<Error> | undefined
  /** URLs with at least one request the deadline cut. */
  const cutUrls = new Set<string>()
  let cut = 0

  function notAnswered (url: string): Answer {
    cutUrls.add(url)
    cut++
    return { status: 0, headers: {}, body: Buffer.alloc(0), error: CUT }
  }

  async function noAnswer (): Promise<Error> {
    const urls = new Set(failures.map(f => f.url)).size
    const what = `${plural(failures.length, 'request')} to ${plural(urls, 'URL')}`
    const kinds = new Map<NoAnswerKind, number>()
    for (const f of failures) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1)
    if (kinds.size > 1) {
      const counts = [...kinds].map(([kind, n]) => `${n} ${kind}`).join(', ')
      return new FST_ALLOWED_METHODS_AUDIT_NO_ANSWER(target, `none of ${what} got an HTTP answer (${counts}; the first: ${failures[0].error})`)
    }
    const [kind] = kinds.keys()
    let reason = `${HINTS[kind](options.timeout)} (${what}; ${failures[0].error})`
    if (kind === 'closed' && options.base?.protocol === 'http:' && await speaksTls(options.base, Math.min(options.timeout, 2000))) {
      reason += `; it speaks TLS: use https://${options.base.host}`
    }
    return new FST_ALLOWED_METHODS_AUDIT_NO_ANSWER(target, reason)
  }

  async function observe (answer: Answer, url: string): Promise<Answer> {
    if (answer.error === undefined) {
      answered++
      return answer
    }
    if (stopped !== undefined) throw await stopped
    failures.push({ url, kind: noAnswerKind(answer), error: answer.error })
    const sameWay = failures.every(f => f.kind === failures[0].kind)
    const urls = new Set(failures.map(f => f.url)).size
    if (answered === 0 && sameWay && (failures.length >= NO_ANSWER_REQUESTS || urls >= NO_ANSWER_URLS)) {
      stopped = noAnswer()
      throw await stopped
    }
    return answer
  }

  return {
    signal: controller.signal,
    watch (transport) {
      return {
        send (method, url, limit) {
          if (expired) return Promise.resolve(notAnswered(url))
          let settled = false
          const sent = transport.send(method, url, limit).then(answer => observe(answer, url)).finally(() => { settled = true })
          if (options.deadline === undefined) return sent
          // every pending send hears the deadline: only the unsettled ones are cut
          return Promise.race([sent, expiry.then(() => settled ? sent : notAnswered(url))])
        },
        close () {
          transport.close()
        }
      }
    },
    loading (load) {
      if (options.deadline === undefined) return load
      const deadline = options.deadline
      return Promise.race([load, expiry.then((): never => {
        throw new FST_ALLOWED_METHODS_AUDIT_DOCUMENT(`the deadline (${deadline} ms) passed before the document was loaded: nothing was audited`)
      })])
    },
    startRun () {
      answered = 0
      failures = []
    },
    async finishRun () {
      if (answered === 0 && failures.length > 0) throw await noAnswer()
    },
    complete (results, planned) {
      if (cut === 0) return { results }
      const kept = results.filter(r => !cutUrls.has(r.url))
      const unchecked = [...new Set(results.filter(r => cutUrls.has(r.url)).map(r => r.path))]
      return {
        results: kept,
        incomplete: {
          reason: `the deadline (${options.deadline as number} ms) passed with ${plural(cut, 'request')} of ${planned} not answered`,
          requestsNotAnswered: cut,
          uncheckedPaths: unchecked
        }
      }
    },
    stop () {
      clearTimeout(timer)
    }
  }
}
