import { test } from 'tap'
import type { Test } from 'tap'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { createServer as createNetServer } from 'node:net'
import type { AddressInfo, Server as NetServer, Socket } from 'node:net'
import { join } from 'node:path'
import { fetchText, httpTransport, parseRawResponse } from '../lib/audit/http'
import type { HttpOptions } from '../lib/audit/http'
import { BODY_LIMIT, flattenHeaders, runBounded } from '../lib/audit/transport'

const fixtures = join(__dirname, 'fixtures', 'audit')
const cert = readFileSync(join(fixtures, 'tls-cert.pem'))
const key = readFileSync(join(fixtures, 'tls-key.pem'))
const options: HttpOptions = { timeout: 2000, concurrency: 4, headers: {}, tls: undefined }

async function listen (server: Server | NetServer, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>(resolve => server.listen(0, host, resolve))
  return (server.address() as AddressInfo).port
}

/** A raw TCP server: `onRequest` gets the socket once the request head has arrived. */
async function rawServer (t: Test, onRequest: (socket: Socket) => void): Promise<string> {
  const sockets = new Set<Socket>()
  const server = createNetServer(socket => {
    sockets.add(socket)
    socket.on('error', () => {})
    let head = ''
    socket.on('data', chunk => {
      head += chunk.toString('latin1')
      if (head.includes('\r\n\r\n')) {
        head = ''
        onRequest(socket)
      }
    })
  })
  t.teardown(() => {
    for (const socket of sockets) socket.destroy()
    server.close()
  })
  return `http://127.0.0.1:${await listen(server)}`
}

async function httpServer (t: Test, handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler)
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return `http://127.0.0.1:${await listen(server)}`
}

async function freePort (): Promise<number> {
  const server = createNetServer()
  const port = await listen(server)
  await new Promise(resolve => server.close(resolve))
  return port
}

test('any method goes to the base URL, headers flattened, the body cut at 64 KiB, HEAD on its own socket', async (t) => {
  const seen: string[] = []
  const base = await httpServer(t, (req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization}`)
    res.setHeader('set-cookie', ['a=1', 'b=2'])
    res.setHeader('x-method', req.method as string)
    if (req.url === '/big') {
      res.end(Buffer.alloc(BODY_LIMIT + 1000, 'x'))
      return
    }
    res.end(`hello ${req.method}`)
  })
  const transport = httpTransport(new URL(base + '/ignored/path'), { ...options, headers: { authorization: 'Bearer t' } })
  t.teardown(() => transport.close())
  for (const method of ['GET', 'POST', 'TRACE', 'QUERY', 'PURGE', 'DELETE']) {
    const answer = await transport.send(method, '/items?x=1')
    t.equal(answer.status, 200)
    t.equal(answer.headers['x-method'], method)
    t.equal(answer.headers['set-cookie'], 'a=1, b=2')
    t.equal(answer.body.toString(), `hello ${method}`)
  }
  const head = await transport.send('HEAD', '/items')
  t.match(head, { status: 200, headers: { 'x-method': 'HEAD', 'set-cookie': 'a=1, b=2' } })
  t.equal(head.body.length, 0)
  t.equal((await transport.send('GET', '/big')).body.length, BODY_LIMIT)
  t.equal((await transport.send('GET', '/big', 10)).body.length, 10)
  t.same(seen.slice(0, 2), ['GET /items?x=1 Bearer t', 'POST /items?x=1 Bearer t'])
  t.equal(seen.filter(s => s === 'HEAD /items Bearer t').length, 1)
})

test('IPv6 literal base URLs', async (t) => {
  const server = createServer((req, res) => res.end(req.method))
  t.teardown(() => { server.closeAllConnections(); server.close() })
  const port = await listen(server, '::1')
  const transport = httpTransport(new URL(`http://[::1]:${port}`), options)
  t.teardown(() => transport.close())
  t.equal((await transport.send('GET', '/')).body.toString(), 'GET')
  t.equal((await transport.send('HEAD', '/')).status, 200)
})

test('HEAD: a body the server wrongly sends is seen, however it ends', async (t) => {
  const base = await rawServer(t, socket => {
    socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Dup: 1\r\nX-Dup: 2\r\nbroken line\r\n\r\nhello')
  })
  const transport = httpTransport(new URL(base), options)
  const answer = await transport.send('HEAD', '/')
  t.match(answer, { status: 200, headers: { 'content-type': 'text/plain', 'x-dup': '1, 2' } })
  t.equal(answer.body.toString(), 'hello')
  transport.close()

  const streaming = await rawServer(t, socket => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 999999\r\n\r\n')
    socket.write(Buffer.alloc(3 * BODY_LIMIT, 'x'))
  })
  const big = await httpTransport(new URL(streaming), options).send('HEAD', '/')
  t.equal(big.status, 200)
  t.equal(big.body.length, BODY_LIMIT)

  const endless = await rawServer(t, socket => { socket.write(Buffer.alloc(3 * BODY_LIMIT, 'y')) })
  t.match(await httpTransport(new URL(endless), options).send('HEAD', '/'), { status: 0, error: 'the answer to HEAD has no end of headers' })
})

test('HEAD: servers that keep the connection open, close early, send garbage, or never answer', async (t) => {
  const open = await rawServer(t, socket => { socket.write('HTTP/1.1 204 No Content\r\nAllow: GET\r\n\r\n') })
  t.match(await httpTransport(new URL(open), { ...options, timeout: 150 }).send('HEAD', '/'), { status: 204, headers: { allow: 'GET' } })
  const silent = await rawServer(t, () => {})
  t.match(await httpTransport(new URL(silent), { ...options, timeout: 150 }).send('HEAD', '/'), { status: 0, error: 'no answer within 150 ms' })
  const closes = await rawServer(t, socket => socket.end())
  t.match(await httpTransport(new URL(closes), options).send('HEAD', '/'), { status: 0, error: 'the connection closed before a complete answer' })
  const garbage = await rawServer(t, socket => socket.end('SMTP ready\r\n\r\n'))
  t.match(await httpTransport(new URL(garbage), options).send('HEAD', '/'), { error: 'the connection closed before a complete answer' })
  const reset = await rawServer(t, socket => socket.resetAndDestroy())
  t.match(await httpTransport(new URL(reset), options).send('HEAD', '/'), { error: 'the connection closed before a complete answer' })
  t.equal(parseRawResponse(Buffer.from('HTTP/2 200\r\n\r\n'))?.status, 200)
})

test('other methods: timeouts, resets and broken bodies are answers with an error; a refused connection stops everything', async (t) => {
  const silent = await rawServer(t, () => {})
  t.match(await httpTransport(new URL(silent), { ...options, timeout: 150 }).send('GET', '/'), { status: 0, error: 'no answer within 150 ms' })
  const reset = await rawServer(t, socket => socket.resetAndDestroy())
  t.match(await httpTransport(new URL(reset), options).send('DELETE', '/'), { status: 0, error: /ECONNRESET|socket hang up/ })
  const broken = await rawServer(t, socket => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial')
    setTimeout(() => socket.destroy(), 50)
  })
  t.match(await httpTransport(new URL(broken), options).send('GET', '/'), { status: 0, error: /^the answer broke off: / })
  const port = await freePort()
  for (const method of ['GET', 'HEAD']) {
    await t.rejects(httpTransport(new URL(`http://127.0.0.1:${port}`), options).send(method, '/'), {
      code: 'FST_ALLOWED_METHODS_AUDIT_NETWORK',
      message: `fastify-allowed-methods audit: cannot reach http://127.0.0.1:${port} (ECONNREFUSED); is the server running and the base URL right?`
    })
  }
})

test('default ports: 80 for http, 443 for https', async (t) => {
  // nothing listens on these ports in the test environment: the refusal names the origin
  await t.rejects(httpTransport(new URL('http://127.0.0.1'), { ...options, timeout: 500 }).send('GET', '/'), { message: /cannot reach http:\/\/127\.0\.0\.1 \(/ })
  await t.rejects(httpTransport(new URL('https://127.0.0.1'), { ...options, timeout: 500 }).send('GET', '/'), { message: /cannot reach https:\/\/127\.0\.0\.1 \(/ })
})

test('https: a private CA, a refused self-signed certificate, and rejectUnauthorized: false', async (t) => {
  const server = createHttpsServer({ cert, key }, (req, res) => {
    res.setHeader('x-method', req.method as string)
    res.end('secure')
  })
  t.teardown(() => { server.closeAllConnections(); server.close() })
  const port = await listen(server, 'localhost')
  const base = new URL(`https://localhost:${port}`)
  const trusted = httpTransport(base, { ...options, tls: { ca: cert } })
  t.teardown(() => trusted.close())
  t.equal((await trusted.send('GET', '/')).body.toString(), 'secure')
  t.match(await trusted.send('HEAD', '/'), { status: 200, headers: { 'x-method': 'HEAD' } })
  for (const method of ['GET', 'HEAD']) {
    await t.rejects(httpTransport(base, options).send(method, '/'), { code: 'FST_ALLOWED_METHODS_AUDIT_NETWORK', message: /\(DEPTH_ZERO_SELF_SIGNED_CERT\)/ })
  }
  const insecure = httpTransport(new URL(`https://127.0.0.1:${port}`), { ...options, tls: { rejectUnauthorized: false } })
  t.teardown(() => insecure.close())
  t.equal((await insecure.send('GET', '/')).status, 200)
  t.equal((await insecure.send('HEAD', '/')).status, 200)
})

test('fetchText reads a whole document, or throws the reason it could not', async (t) => {
  const base = await httpServer(t, (req, res) => {
    if (req.url === '/slow') return
    res.statusCode = req.url === '/doc?v=1' ? 200 : 404
    res.end('x'.repeat(BODY_LIMIT * 2))
  })
  const doc = await fetchText(new URL(base + '/doc?v=1'), options)
  t.equal(doc.status, 200)
  t.equal(doc.text.length, BODY_LIMIT * 2)
  t.equal((await fetchText(new URL(base + '/other'), options)).status, 404)
  await t.rejects(fetchText(new URL(base + '/slow'), { ...options, timeout: 100 }), { message: 'no answer within 100 ms' })
})

test('runBounded: at most `concurrency` in flight, results in input order, no new task after a failure', async (t) => {
  let inFlight = 0
  let most = 0
  const progress: string[] = []
  const results = await runBounded([5, 1, 4, 2, 3, 0], 2, async (n) => {
    inFlight++
    most = Math.max(most, inFlight)
    await new Promise(resolve => setTimeout(resolve, n * 5))
    inFlight--
    return n * 10
  }, (done, total) => progress.push(`${done}/${total}`))
  t.same(results, [50, 10, 40, 20, 30, 0])
  t.equal(most, 2)
  t.same(progress, ['1/6', '2/6', '3/6', '4/6', '5/6', '6/6'])
  const started: number[] = []
  await t.rejects(runBounded([1, 2, 3, 4, 5], 1, async (n) => {
    started.push(n)
    if (n === 2) throw new Error('stop')
    return n
  }), { message: 'stop' })
  t.same(started, [1, 2])
  t.same(await runBounded([], 4, async () => 1), [])
})

test('flattenHeaders: lower-case names, joined repeats, numbers as strings, undefined left out', async (t) => {
  t.same(flattenHeaders({ 'Content-Length': 5, 'Set-Cookie': ['a=1', 'b=2'], 'X-None': undefined, Allow: 'GET' }), {
    'content-length': '5',
    'set-cookie': 'a=1, b=2',
    allow: 'GET'
  })
})
