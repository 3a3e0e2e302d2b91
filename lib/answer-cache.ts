import type { AllowSet } from './allow'

/** An answer as sent for one path: the method it answered, the problem type and Allow (405 only) it was built with, its body (null: the 405 went to the app's error handler, `useErrorHandler`). */
export interface CachedAnswer {
  readonly method: string
  readonly type: string
  readonly allow: AllowSet | null
  readonly body: string | null
  /** The route patterns behind the answer, once a subscriber of the answer channel needed them (lib/observe.ts). */
  patterns: string[] | null
}

/**
 * The most paths remembered. Emptied when full, so that a flood of never-repeating URLs holds at
 * most this many entries, each keyed by a path of at most MAX_RECENT_PATH_LENGTH (allow.ts) characters.
 */
const MAX_ANSWERS = 1024

/**
 * The answers of recent paths, body included, so that a client repeating a wrong method gets the
 * very same bytes without the router probes and without building the problem document again. One
 * entry per path (the last method answered there); the responder keeps one cache per status. Only
 * answers that depend on the path alone are stored (for a 405: no constraint derived from the
 * request, no `config.allow.hide` function asked, as AllowResolver#remembered tells; for a 501: a
 * method fastify does not support at all). Emptied at onReady.
 */
export class AnswerCache {
  private readonly answers = new Map<string, CachedAnswer>()

  get (path: string, method: string, type: string): CachedAnswer | undefined {
    const answer = this.answers.get(path)
    return answer !== undefined && answer.method === method && answer.type === type ? answer : undefined
  }

  set (path: string, answer: CachedAnswer): void {
    if (this.answers.size >= MAX_ANSWERS) this.answers.clear()
    this.answers.set(path, answer)
  }

  clear (): void {
    this.answers.clear()
  }

  /** Entries held (for tests: the bound). */
  get size (): number {
    return this.answers.size
  }
}
