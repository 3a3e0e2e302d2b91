import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import tls from 'node:tls'
import { FST_ALLOWED_METHODS_AUDIT_NETWORK } from './errors'
import { DOCUMENT_LIMIT } from './limits'
import { BODY_LIMIT, flattenHeaders } from './transport'
import type { Transport } from './transport'
import type { Answer, AuditOptions } from './types'

/** Connection failures that mean "no server there": the audit stops, nothing else can be learnt. */
const UNREACHABLE = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID'
])

export interface HttpOptions {
  timeout: number
  concurrency: number
  headers: Record<string, string>
  tls: AuditOptions['tls']
  /** Aborting it ends every request in flight (the audit's deadline). */
  signal?: AbortSignal
}

/**
 * How a request got no HTTP answer: it timed out, the connection closed (or reset) first, the
 * bytes that came are not HTTP, or the TLS handshake failed. The whole-server checks of bounds.ts
 * read it to say what happened when a server answers nothing.
 */
export type NoAnswerKind = 'timeout' | 'closed' | 'not-http' | 'tls'

const kinds = new WeakMap<Answer, NoAnswerKind>()

/** The kind of a failed answer; `closed` (the connection failed) for one made elsewhere. */
export function noAnswerKind (answer: Answer): NoAnswerKind {
  return kinds.get(answer) ?? 'closed'
}

function failure (message: string, kind: NoAnswerKind): Answer {
  const answer = { status: 0, headers: {}, body: Buffer.alloc(0), error: message }
  kinds.set(answer, kind)
  return answer
}

/** A TLS error's reason without OpenSSL's noise (`wrong version number`). */
function tlsReason (err: Error): string {
  return err.message.replace(/^[^]*SSL routines:[^:]*:([^:]+)[^]*$/, '$1')
}

function isTlsError (err: NodeJS.ErrnoException): boolean {
  return err.code === 'EPROTO' || String(err.code).startsWith('ERR_SSL_')
}

/** The first bytes of something that is not HTTP, quoted. */
function firstBytes (raw: Buffer): string {
  return JSON.stringify(raw.subarray(0, 16).toString('latin1'))
}

/** A request that failed before any HTTP answer, classified. */
function requestFailure (err: NodeJS.ErrnoException): Answer {
  if (String(err.code).startsWith('HPE_')) {
    // Node's client puts the bytes it could not parse on its parse errors
    const { rawPacket } = err as unknown as { rawPacket: Buffer }
    return failure(`the answer is not HTTP (${err.message}, it began ${firstBytes(rawPacket)})`, 'not-http')
  }
  if (isTlsError(err)) return failure(`the TLS handshake failed (${tlsReason(err)})`, 'tls')
  return failure(err.message, 'closed')
}

/** Appends at most `limit` bytes in all. */
function keep (chunks: Buffer[], kept: number, chunk: Buffer, limit: number): number {
  const part = chunk.subarray(0, Math.max(0, limit - kept))
  chunks.push(part)
  return kept + part.length
}

/**
 * Parses the raw bytes of a response to HEAD: status line, headers, and whatever bytes follow the
 * header block (a correct server sends none). Returns undefined when the header block is incomplete.
 */
export function parseRawResponse (raw: Buffer): Answer | undefined {
  const end = raw.indexOf('\r\n\r\n')
  if (end === -1) return undefined
  const lines = raw.subarray(0, end).toString('latin1').split('\r\n')
  const status = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(lines[0])
  if (status === null) return undefined
  const headers: Record<string, string[]> = {}
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    const list = headers[name] ?? (headers[name] = [])
    list.push(line.slice(colon + 1).trim())
  }
  return { status: Number(status[1]), headers: flattenHeaders(headers), body: raw.subarray(end + 4, end + 4 + BODY_LIMIT) }
}

/** Where to connect for a base URL: its host (IPv6 without brackets) and port (80 or 443 by default). */
function endpoint (base: URL): { hostname: string, port: number } {
  return {
    hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(base.port === '' ? (base.protocol === 'https:' ? 443 : 80) : base.port)
  }
}

/** The user's Host header, if any (any spelling): it replaces the one derived from the base URL. */
function hostHeader (headers: Record<string, string>): string | undefined {
  const name = Object.keys(headers).find(key => key.toLowerCase() === 'host')
  return name === undefined ? undefined : headers[name]
}

/**
 * Over HTTP(S), to `base` only: every request goes to its host and port, with paths the audit
 * builds. Redirects are not followed. HEAD is written on a raw socket, because Node's HTTP client
 * discards the bytes of a body a server wrongly sends after a HEAD. `close()` (or `signal`)
 * ends every request still in flight: each resolves as "no answer".
 */
export function httpTransport (base: URL, options: HttpOptions): Transport {
  const secure = base.protocol === 'https:'
  const { hostname, port } = endpoint(base)
  const tlsOptions = { ...options.tls, servername: net.isIP(hostname) === 0 ? hostname : undefined }
  // one connection per request: a kept-alive socket the server closes while idle would turn into
  // a false "no answer" on the next request; on loopback or a LAN the extra handshakes cost little
  const agent = secure
    ? new https.Agent({ keepAlive: false, maxSockets: options.concurrency, ...tlsOptions })
    : new http.Agent({ keepAlive: false, maxSockets: options.concurrency })
  // Node's client sends the user's Host instead of its own (any spelling); the raw HEAD does the same
  const host = hostHeader(options.headers) ?? base.host
  const extraHeaders = Object.keys(options.headers)
    .filter(name => name.toLowerCase() !== 'host')
    .map(name => `${name}: ${options.headers[name]}\r\n`).join('')
  /** Requests in flight: each entry ends one with "no answer". */
  const inFlight = new Set<() => void>()
  let closed = false

  function unreachable (err: NodeJS.ErrnoException): Error {
    return new FST_ALLOWED_METHODS_AUDIT_NETWORK(base.origin, String(err.code))
  }

  function request (method: string, path: string, limit: number): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const client = secure ? https : http
      const chunks: Buffer[] = []
      let kept = 0
      const req = client.request({ hostname, port, method, path, headers: options.headers, agent })
      function settle (answer: Answer): void {
        clearTimeout(timer)
        inFlight.delete(stop)
        resolve(answer)
      }
      const stop = (): void => {
        req.destroy()
        settle(failure('the audit stopped before an answer came', 'closed'))
      }
      inFlight.add(stop)
      const timer = setTimeout(() => {
        req.destroy()
        settle(failure(`no answer within ${options.timeout} ms`, 'timeout'))
      }, options.timeout)
      req.on('response', (res) => {
        const answer = (): Answer => ({ status: res.statusCode as number, headers: flattenHeaders(res.headers), body: Buffer.concat(chunks) })
        res.on('data', (chunk: Buffer) => {
          kept = keep(chunks, kept, chunk, limit)
          // enough of the body: the rest (a download, an endless stream) is not read
          if (kept >= limit) {
            settle(answer())
            res.destroy()
          }
        })
        res.on('end', () => { settle(answer()) })
        res.on('error', (err) => { settle(failure(`the answer broke off: ${err.message}`, 'closed')) })
      })
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (UNREACHABLE.has(err.code as string)) {
          clearTimeout(timer)
          inFlight.delete(stop)
          reject(unreachable(err))
        } else {
          settle(requestFailure(err))
        }
      })
      req.end()
    })
  }

  function head (path: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const socket = secure
        ? tls.connect({ host: hostname, port, ...tlsOptions })
        : net.connect({ host: hostname, port })
      const chunks: Buffer[] = []
      let settled = false
      let tlsError: Error | undefined
      function settle (answer: Answer): void {
        if (settled) return
        settled = true
        clearTimeout(timer)
        inFlight.delete(stop)
        socket.destroy()
        resolve(answer)
      }
      /** What came, as an answer, or why it is none (`message`, with what came when it is not HTTP). */
      function received (message: string, kind: NoAnswerKind): Answer {
        const raw = Buffer.concat(chunks)
        const parsed = parseRawResponse(raw)
        if (parsed !== undefined) return parsed
        if (raw.length > 0 && !/^HTTP\/\d/.test(raw.subarray(0, 7).toString('latin1'))) {
          return failure(`${message}: what came is not HTTP (it began ${firstBytes(raw)})`, 'not-http')
        }
        return failure(message, kind)
      }
      const stop = (): void => settle(failure('the audit stopped before an answer came', 'closed'))
      inFlight.add(stop)
      const timer = setTimeout(() => {
        // a server that keeps the connection open after the headers: take what came
        settle(received(`no answer within ${options.timeout} ms`, 'timeout'))
      }, options.timeout)
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        socket.write(`HEAD ${path} HTTP/1.1\r\nHost: ${host}\r\n${extraHeaders}Connection: close\r\n\r\n`)
      })
      let size = 0
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk)
        size += chunk.length
        // a server streaming a body after HEAD: enough has been seen
        if (size > 2 * BODY_LIMIT) settle(received('the answer to HEAD has no end of headers', 'not-http'))
      })
      socket.on('close', () => {
        if (tlsError === undefined) settle(received('the connection closed before a complete answer', 'closed'))
        else settle(failure(`the TLS handshake failed (${tlsReason(tlsError)})`, 'tls'))
      })
      socket.on('error', (err: NodeJS.ErrnoException) => {
        if (UNREACHABLE.has(err.code as string)) {
          settled = true
          clearTimeout(timer)
          inFlight.delete(stop)
          reject(unreachable(err))
        }
        if (isTlsError(err)) tlsError = err
        // any other error closes the socket: 'close' settles with what arrived
      })
    })
  }

  function close (): void {
    closed = true
    for (const stop of [...inFlight]) stop()
    agent.destroy()
  }
  options.signal?.addEventListener('abort', close, { once: true })

  return {
    send (method, path, limit = BODY_LIMIT) {
      if (closed) return Promise.resolve(failure('the audit stopped before this request was sent', 'closed'))
      return method === 'HEAD' ? head(path) : request(method, path, limit)
    },
    close
  }
}

/**
 * Whether something speaking TLS listens at `base` (an http:// base URL whose server closed every
 * connection): a handshake answered, even with a certificate the audit would refuse.
 */
export function speaksTls (base: URL, timeout: number): Promise<boolean> {
  return new Promise((resolve) => {
    const { hostname, port } = endpoint(base)
    const socket = tls.connect({ host: hostname, port, rejectUnauthorized: false })
    const timer = setTimeout(() => done(false), timeout)
    function done (answer: boolean): void {
      clearTimeout(timer)
      socket.destroy()
      resolve(answer)
    }
    socket.once('secureConnect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/**
 * One GET of a URL the user named (the `--openapi` document), with the same time limit. At most
 * `maxBytes + 1` bytes are read: `tooLarge` says the document is over `maxBytes` (never cut).
 */
export async function fetchText (url: URL, options: HttpOptions, maxBytes = DOCUMENT_LIMIT): Promise<{ status: number, text: string, tooLarge: boolean }> {
  const transport = httpTransport(url, { ...options, concurrency: 1 })
  try {
    const answer = await transport.send('GET', url.pathname + url.search, maxBytes + 1)
    if (answer.error !== undefined) throw new Error(answer.error)
    const tooLarge = answer.body.length > maxBytes
    return { status: answer.status, text: tooLarge ? '' : answer.body.toString('utf8'), tooLarge }
  } finally {
    transport.close()
  }
}
