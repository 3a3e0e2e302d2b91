import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import tls from 'node:tls'
import { FST_ALLOWED_METHODS_AUDIT_NETWORK } from './errors'
import { BODY_LIMIT, DOCUMENT_LIMIT, flattenHeaders } from './transport'
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
}

function failure (message: string): Answer {
  return { status: 0, headers: {}, body: Buffer.alloc(0), error: message }
}

/** Appends at most `limit` bytes in all. */
function keep (chunks: Buffer[], kept: number, chunk: Buffer, limit: number): number {
  if (kept >= limit) return kept
  const part = chunk.subarray(0, limit - kept)
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

/**
 * Over HTTP(S), to `base` only: every request goes to its host and port, with paths the audit
 * builds. Redirects are not followed. HEAD is written on a raw socket, because Node's HTTP client
 * discards the bytes of a body a server wrongly sends after a HEAD.
 */
export function httpTransport (base: URL, options: HttpOptions): Transport {
  const secure = base.protocol === 'https:'
  const hostname = base.hostname.replace(/^\[(.*)\]$/, '$1')
  const port = Number(base.port === '' ? (secure ? 443 : 80) : base.port)
  const tlsOptions = { ...options.tls, servername: net.isIP(hostname) === 0 ? hostname : undefined }
  // one connection per request: a kept-alive socket the server closes while idle would turn into
  // a false "no answer" on the next request; on loopback or a LAN the extra handshakes cost little
  const agent = secure
    ? new https.Agent({ keepAlive: false, maxSockets: options.concurrency, ...tlsOptions })
    : new http.Agent({ keepAlive: false, maxSockets: options.concurrency })

  function unreachable (err: NodeJS.ErrnoException): Error {
    return new FST_ALLOWED_METHODS_AUDIT_NETWORK(base.origin, String(err.code))
  }

  function request (method: string, path: string, limit: number): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const client = secure ? https : http
      const chunks: Buffer[] = []
      let kept = 0
      const req = client.request({ hostname, port, method, path, headers: options.headers, agent })
      const timer = setTimeout(() => {
        req.destroy()
        resolve(failure(`no answer within ${options.timeout} ms`))
      }, options.timeout)
      req.on('response', (res) => {
        res.on('data', (chunk: Buffer) => { kept = keep(chunks, kept, chunk, limit) })
        res.on('end', () => {
          clearTimeout(timer)
          resolve({ status: res.statusCode as number, headers: flattenHeaders(res.headers), body: Buffer.concat(chunks) })
        })
        res.on('error', (err) => {
          clearTimeout(timer)
          resolve(failure(`the answer broke off: ${err.message}`))
        })
      })
      req.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer)
        if (UNREACHABLE.has(err.code as string)) reject(unreachable(err))
        else resolve(failure(err.message))
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
      function settle (answer: Answer): void {
        if (settled) return
        settled = true
        clearTimeout(timer)
        socket.destroy()
        resolve(answer)
      }
      const timer = setTimeout(() => {
        // a server that keeps the connection open after the headers: take what came
        settle(parseRawResponse(Buffer.concat(chunks)) ?? failure(`no answer within ${options.timeout} ms`))
      }, options.timeout)
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        const extra = Object.keys(options.headers).map(name => `${name}: ${options.headers[name]}\r\n`).join('')
        socket.write(`HEAD ${path} HTTP/1.1\r\nHost: ${base.host}\r\n${extra}Connection: close\r\n\r\n`)
      })
      let size = 0
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk)
        size += chunk.length
        // a server streaming a body after HEAD: enough has been seen
        if (size > 2 * BODY_LIMIT) settle(parseRawResponse(Buffer.concat(chunks)) ?? failure('the answer to HEAD has no end of headers'))
      })
      socket.on('close', () => {
        settle(parseRawResponse(Buffer.concat(chunks)) ?? failure('the connection closed before a complete answer'))
      })
      socket.on('error', (err: NodeJS.ErrnoException) => {
        if (UNREACHABLE.has(err.code as string)) {
          settled = true
          clearTimeout(timer)
          reject(unreachable(err))
        }
        // any other error closes the socket: 'close' settles with what arrived
      })
    })
  }

  return {
    send (method, path, limit = BODY_LIMIT) {
      return method === 'HEAD' ? head(path) : request(method, path, limit)
    },
    close () {
      agent.destroy()
    }
  }
}

/** One GET of a URL the user named (the `--openapi` document), with the same time limit. */
export async function fetchText (url: URL, options: HttpOptions): Promise<{ status: number, text: string }> {
  const transport = httpTransport(url, { ...options, concurrency: 1 })
  try {
    const answer = await transport.send('GET', url.pathname + url.search, DOCUMENT_LIMIT)
    if (answer.error !== undefined) throw new Error(answer.error)
    return { status: answer.status, text: answer.body.toString('utf8') }
  } finally {
    transport.close()
  }
}
