import { connect } from 'node:net'
import type { Socket } from 'node:net'

/** One HTTP/1.1 response read off a raw socket. */
export interface RawResponse {
  status: number
  /** Header names lowercased; a repeated header keeps its last value. */
  headers: Record<string, string>
  body: string
}

/**
 * A raw TCP connection to an HTTP/1.1 server: writes bytes exactly as given (any method token,
 * any request target, partial or pipelined requests) and reads responses one at a time, framed by
 * Content-Length or chunked encoding. For tests of what node:http and fetch refuse to send.
 */
export class RawConnection {
  private buffer = Buffer.alloc(0)
  private ended = false
  private wake: (() => void) | null = null

  private constructor (private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk])
      this.notify()
    })
    socket.on('close', () => {
      this.ended = true
      this.notify()
    })
    socket.on('error', () => {
      this.ended = true
      this.notify()
    })
  }

  static open (port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' }, () => resolve(new RawConnection(socket)))
      socket.once('error', reject)
    })
  }

  /** True once the server closed the connection (or it failed). */
  get closed (): boolean {
    return this.ended
  }

  write (data: string | Buffer): void {
    this.socket.write(data)
  }

  close (): void {
    this.socket.destroy()
  }

  private notify (): void {
    const wake = this.wake
    this.wake = null
    if (wake !== null) wake()
  }

  /** Waits until `ready()` returns a value, more bytes arrive, or `timeoutMs` passes. */
  private async until<T> (ready: () => T | null, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = ready()
      if (value !== null) return value
      if (this.ended) throw new Error(`connection closed while waiting for ${what} (${this.buffer.length} bytes unread: ${JSON.stringify(this.buffer.toString('latin1'))})`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  }

  /**
   * Reads the next response. `bodyless` is for answers to HEAD (headers only, whatever
   * Content-Length says). Rejects if nothing complete arrives within `timeoutMs`.
   */
  async response (options: { bodyless?: boolean, timeoutMs?: number } = {}): Promise<RawResponse> {
    const timeoutMs = options.timeoutMs ?? 2000
    return this.until(() => this.parse(options.bodyless === true), timeoutMs, 'complete response')
  }

  /** Resolves once the server has closed the connection; rejects after `timeoutMs`. */
  async waitClosed (timeoutMs = 2000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    while (!this.ended) {
      if (Date.now() >= deadline) throw new Error(`connection still open after ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now())
        this.wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
    return this.buffer.toString('latin1')
  }

  private parse (bodyless: boolean): RawResponse | null {
    const end = this.buffer.indexOf('\r\n\r\n')
    if (end === -1) return null
    const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n')
    const status = Number(lines[0].split(' ')[1])
    const headers: Record<string, string> = {}
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    const start = end + 4
    if (bodyless || status === 204 || status === 304 || (status >= 100 && status < 200)) {
      return this.take(start, { status, headers, body: '' })
    }
    if (headers['transfer-encoding'] === 'chunked') {
      let at = start
      let body = Buffer.alloc(0)
      for (;;) {
        const lineEnd = this.buffer.indexOf('\r\n', at)
        if (lineEnd === -1) return null
        const size = parseInt(this.buffer.subarray(at, lineEnd).toString('latin1'), 16)
        if (this.buffer.length < lineEnd + 2 + size + 2) return null
        if (size === 0) return this.take(lineEnd + 4, { status, headers, body: body.toString() })
        body = Buffer.concat([body, this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size)])
        at = lineEnd + 2 + size + 2
      }
    }
    const length = Number(headers['content-length'] ?? 0)
    if (this.buffer.length < start + length) return null
    return this.take(start + length, { status, headers, body: this.buffer.subarray(start, start + length).toString() })
  }

  private take (upTo: number, response: RawResponse): RawResponse {
    this.buffer = this.buffer.subarray(upTo)
    return response
  }
}

/** Builds the bytes of one request: request line, headers, blank line, then `body` as given. */
export function rawRequest (method: string, target: string, headers: Record<string, string | number> = {}, body = ''): string {
  const lines = [`${method} ${target} HTTP/1.1`, 'host: 127.0.0.1']
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
  return lines.join('\r\n') + '\r\n\r\n' + body
}
