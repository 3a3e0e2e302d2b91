import type { Test } from 'tap'
import { request as httpRequest } from 'node:http'

/**
 * "Matched routes answer byte-for-byte as without the plugin", for the ecosystem tests: the same
 * request sent over TCP to two apps, the answers compared on everything a client receives except
 * the `date` header (it changes every second).
 */

export interface Exchange {
  method: string
  path: string
  headers?: Record<string, string>
  body?: string
}

export interface Answer {
  status: number
  statusMessage: string
  /** Header lines in the order they were sent, name lowercased, `date` left out. */
  headers: Array<[string, string]>
  /** The body bytes, base64 (so that a difference in any byte shows). */
  body: string
}

/** One request over TCP (node:http, any method token); the answer as the client received it. */
export function exchange (base: string, ex: Exchange): Promise<Answer> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method: ex.method, path: ex.path, headers: ex.headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        const headers: Array<[string, string]> = []
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i].toLowerCase()
          if (name !== 'date') headers.push([name, res.rawHeaders[i + 1]])
        }
        resolve({ status: res.statusCode as number, statusMessage: res.statusMessage as string, headers, body: Buffer.concat(chunks).toString('base64') })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    if (ex.body !== undefined) req.write(ex.body)
    req.end()
  })
}

/** Each request gets the same answer from `base` as from `reference` (the app built without the plugin). */
export async function expectSameAnswers (t: Test, base: string, reference: string, exchanges: Exchange[], what = 'as without the plugin'): Promise<void> {
  for (const ex of exchanges) {
    const got = await exchange(base, ex)
    const want = await exchange(reference, ex)
    t.strictSame(got, want, `${ex.method} ${ex.path}: the same answer ${what}`)
  }
}
