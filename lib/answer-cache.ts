import type { AllowSet } from './allow'

/** A 405 answer as sent for one path: the method it answered, the problem type and Allow it was built with, its body. */
export interface CachedAnswer {
  readonly method: string
  readonly type: string
  readonly allow: AllowSet
  readonly body: string
}

/**
 * The most paths remembered. Emptied when full, so that a flood of never-repeating URLs holds at
 * most this many entries; keys are never longer than the resolver's memo allows (256 characters:
 * only answers the resolver remembered for their path are stored here).
 */
const MAX_ANSWERS = 1024

/**
 * The 405 answers of recent paths, body included, so that a client repeating a wrong method gets
 * the very same bytes without the router probes and without building the problem document again.
 * One entry per path (the last method answered there). Only answers that depend on the path alone
 * are stored (no constraint derived from the request, no `config.allow.hide` function asked):
 * the caller decides that with AllowResolver#remembered. Emptied at onReady with the resolver's memo.
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
