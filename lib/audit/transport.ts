import type { Answer, InjectableApp } from './types'

/** At most this much of a body is kept: enough for a problem document, never a whole download. */
export const BODY_LIMIT = 64 * 1024

/** Sends one request (a path on the audited server) and returns its answer, body cut at `limit` bytes. */
export interface Transport {
  send (method: string, path: string, limit?: number): Promise<Answer>
  close (): void
}

/** Lower-cases header names and joins repeated values, as one map of strings. */
export function flattenHeaders (headers: Record<string, string | string[] | number | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of Object.keys(headers)) {
    const value = headers[name]
    if (value === undefined) continue
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
  }
  return out
}

/** In-process: every request goes through `app.inject()`, no socket involved. */
export function injectTransport (app: InjectableApp, headers: Record<string, string>): Transport {
  return {
    async send (method, path, limit = BODY_LIMIT) {
      const res = await app.inject({ method, url: path, headers })
      return { status: res.statusCode, headers: flattenHeaders(res.headers), body: res.rawPayload.subarray(0, limit) }
    },
    close () {}
  }
}

/**
 * Runs `task` over `items` with at most `concurrency` in flight; results keep the input order.
 * After the first failure no new task starts, and the failure is what the promise rejects with.
 */
export async function runBounded<T, R> (items: T[], concurrency: number, task: (item: T) => Promise<R>, onDone?: (done: number, total: number) => void): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  let done = 0
  let failed = false
  async function worker (): Promise<void> {
    while (!failed && next < items.length) {
      const index = next++
      try {
        results[index] = await task(items[index])
      } catch (err) {
        failed = true
        throw err
      }
      done++
      onDone?.(done, items.length)
    }
  }
  const workers: Array<Promise<void>> = []
  for (let i = 0; i < Math.min(concurrency, items.length); i++) workers.push(worker())
  await Promise.all(workers)
  return results
}
