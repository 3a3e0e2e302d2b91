'use strict'

// A POST with a 50 MB body to a URL that only has GET/PUT/DELETE: does the 405 come before the
// body is sent? A raw socket sends the request head, then trickles the body (64 KB every 10 ms);
// we time the first response byte from the end of the head and count the body bytes sent by then.
// If no answer comes within the patience window, the rest of the body is sent at full speed and
// we wait for the answer. The server (in its own process) counts the bodies its
// octet-stream parser received, and the socket bytes it had read when it responded.

const net = require('node:net')
const { runStandalone } = require('./lib/child')
const { startServer } = require('./lib/spawn')

const BODY = 50 * 1024 * 1024
const CHUNK = 64 * 1024
const INTERVAL_MS = 10
const PATIENCE_MS = 2000
const BODY_LIMIT = 64 * 1024 * 1024

const CASES = [
  { server: 'fastify-allowed-methods', title: 'fastify + fastify-allowed-methods', target: true },
  { server: 'fastify', title: 'plain fastify', target: false },
  { server: 'fastify-allow', title: 'fastify + fastify-allow', target: false }
]

function post (port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    const chunk = Buffer.alloc(CHUNK, 0x61)
    let sent = 0
    let t0 = 0n
    let ttfb = null
    let sentAtFirstByte = null
    let phase = 'trickle'
    let response = Buffer.alloc(0)
    let timer = null
    let finished = false

    function finish (err, value) {
      if (finished) return
      finished = true
      clearInterval(timer)
      clearTimeout(patience)
      clearTimeout(giveUp)
      socket.destroy()
      if (err) reject(err)
      else resolve(value)
    }

    function blast () {
      phase = 'full body sent'
      clearInterval(timer)
      const write = () => {
        while (sent < BODY) {
          const n = Math.min(CHUNK, BODY - sent)
          sent += n
          if (!socket.write(n === CHUNK ? chunk : chunk.subarray(0, n))) {
            socket.once('drain', write)
            return
          }
        }
      }
      write()
    }

    const patience = setTimeout(() => { if (ttfb === null) blast() }, PATIENCE_MS)
    const giveUp = setTimeout(() => finish(new Error('no response within 60 s')), 60000)

    socket.on('connect', () => {
      socket.write(`POST /users/42 HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/octet-stream\r\ncontent-length: ${BODY}\r\n\r\n`)
      t0 = process.hrtime.bigint()
      timer = setInterval(() => {
        if (sent >= BODY || ttfb !== null) return
        sent += CHUNK
        socket.write(chunk)
      }, INTERVAL_MS)
    })
    socket.on('data', (data) => {
      if (ttfb === null) {
        ttfb = Number(process.hrtime.bigint() - t0) / 1e6
        sentAtFirstByte = sent
        clearInterval(timer)
      }
      response = Buffer.concat([response, data])
      const head = response.indexOf('\r\n\r\n')
      if (head === -1) return
      const headText = response.subarray(0, head).toString('latin1')
      const length = /\r\ncontent-length: *(\d+)/i.exec(headText)
      if (length && response.length < head + 4 + Number(length[1])) return
      const [statusLine, ...lines] = headText.split('\r\n')
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
      finish(null, {
        status: Number(statusLine.split(' ')[1]),
        allow: headers.allow ?? null,
        connection: headers.connection ?? null,
        ttfbMs: ttfb,
        bodyBytesSentAtFirstByte: sentAtFirstByte,
        bodyBytes: BODY,
        answeredDuring: phase
      })
    })
    socket.on('error', (err) => finish(err))
    socket.on('close', () => finish(new Error(`connection closed without a complete response after ${sent} body bytes`)))
  })
}

async function one (c) {
  const server = await startServer(c.server, { options: { instrument: true, bodyLimit: BODY_LIMIT } })
  try {
    const client = await post(server.port)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const stats = await server.ask('stats')
    return {
      ...c,
      ...client,
      bodiesParsed: stats.parsedBodies,
      bodyBytesParsed: stats.parsedBytes,
      socketBytesReadAtResponse: stats.responses.length > 0 ? stats.responses[0].socketBytesRead : null
    }
  } finally {
    await server.close()
  }
}

async function run () {
  const results = []
  for (const c of CASES) results.push(await one(c))
  return { body: BODY, chunk: CHUNK, intervalMs: INTERVAL_MS, patienceMs: PATIENCE_MS, bodyLimit: BODY_LIMIT, results }
}

if (require.main === module) {
  runStandalone(run)
}

module.exports = { run, CASES, BODY }
