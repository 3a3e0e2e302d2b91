import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import multipart from '@fastify/multipart'
import type { MultipartFile } from '@fastify/multipart'
import fastifyAllowedMethods from '../../lib/index'
import type { FastifyAllowedMethodsOptions } from '../../lib/index'
import { listen } from '../helpers/http'
import { RawConnection, rawRequest } from '../helpers/raw-http'
import type { RawResponse } from '../helpers/raw-http'
import { expectSameAnswers } from '../helpers/same-answers'

/**
 * @fastify/multipart. Its hooks are onRequest and onResponse only (in its default mode), so the
 * 404 path has no later hook and an upload to a URL that exists for other methods gets its 405 in
 * onRequest: before the upload is sent, without multipart's parser running. Where the 404 path has
 * later hooks (a root preHandler, or multipart's own preValidation with `attachFieldsToBody`), the
 * upload is treated exactly as on its way to a 404 without the plugin; `answerEarly: true` brings
 * the early answer back.
 */

type Order = 'plugin first' | 'multipart first'
const ORDERS: Order[] = ['plugin first', 'multipart first']

const BOUNDARY = '----fastify-allowed-methods'
const MB = 1024 * 1024

interface Seen { method: string, url: string, status: number, parsed: boolean }

interface Built { app: FastifyInstance, port: number, seen: Seen[], handled: string[], preHandlers: number, fileBytes: number }

interface Setup {
  /** multipart with `attachFieldsToBody: true` (and an 8 MB file limit) instead of its defaults */
  attachFieldsToBody?: boolean
  plugin?: FastifyAllowedMethodsOptions
  rootPreHandler?: boolean
}

/** The app, with the plugin in the given order or (null) without it. */
async function build (t: Test, order: Order | null, setup: Setup = {}): Promise<Built> {
  const app = Fastify()
  t.teardown(() => app.close())
  const built = { app, port: 0, seen: [] as Seen[], handled: [] as string[], preHandlers: 0, fileBytes: 0 }
  const plugin = setup.plugin ?? {}
  if (order === 'plugin first') await app.register(fastifyAllowedMethods, plugin)
  const attach = setup.attachFieldsToBody === true
  if (attach) {
    await app.register(multipart, {
      attachFieldsToBody: true,
      limits: { fileSize: 8 * MB },
      // attachFieldsToBody's preValidation hook hands every file to onFile: count what it reads
      async onFile (part: MultipartFile) {
        for await (const chunk of part.file) built.fileBytes += (chunk as Buffer).length
      }
    })
  } else {
    await app.register(multipart)
  }
  if (order === 'multipart first') await app.register(fastifyAllowedMethods, plugin)
  if (setup.rootPreHandler === true) app.addHook('preHandler', async () => { built.preHandlers++ })
  // isMultipart() is true once multipart's content-type parser has run for the request
  app.addHook('onResponse', async (request, reply) => {
    built.seen.push({ method: request.method, url: request.url, status: reply.statusCode, parsed: request.isMultipart() })
  })
  app.get('/files', async () => ({ files: ['report.pdf'] }))
  app.get('/files/:name', async (request) => ({ name: (request.params as { name: string }).name }))
  app.post('/files', async (request) => {
    built.handled.push(request.url)
    if (attach) return { fields: Object.keys(request.body as object) }
    const file = await request.file()
    let size = 0
    for await (const chunk of file!.file) size += (chunk as Buffer).length
    return { name: file!.filename, size }
  })
  await listen(app)
  built.port = (app.server.address() as AddressInfo).port
  return built
}

function multipartHead (filename: string): string {
  return `--${BOUNDARY}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\ncontent-type: application/octet-stream\r\n\r\n`
}
const TAIL = `\r\n--${BOUNDARY}--\r\n`

interface Upload {
  res: RawResponse
  /** Bytes of the request body written when the answer arrived. */
  sentWhenAnswered: number
  total: number
}

/**
 * A multipart upload of `fileBytes` over a raw socket, written slowly (`chunk` bytes every few
 * ms), stopped as soon as an answer arrives.
 */
async function upload (t: Test, port: number, method: string, path: string, fileBytes: number, chunk = 256 * 1024): Promise<Upload> {
  const conn = await RawConnection.open(port)
  t.teardown(() => conn.close())
  const head = multipartHead('big.bin')
  const total = head.length + fileBytes + TAIL.length
  conn.write(rawRequest(method, path, { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': total }, head))
  let sent = head.length
  const answered: { at: number | null } = { at: null }
  const answer = conn.response({ timeoutMs: 15000 }).then((res) => {
    answered.at = sent
    return res
  })
  answer.catch(() => {})
  const bytes = Buffer.alloc(chunk, 'a')
  for (let written = 0; answered.at === null && written < fileBytes;) {
    const n = Math.min(chunk, fileBytes - written)
    conn.write(bytes.subarray(0, n))
    written += n
    sent += n
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  if (answered.at === null) {
    conn.write(TAIL)
    sent += TAIL.length
  }
  const res = await answer
  conn.close()
  return { res, sentWhenAnswered: answered.at as unknown as number, total }
}

/** Waits for the onResponse hook of the request just answered (it runs after the bytes left). */
async function seenFor (built: Built, url: string): Promise<Seen> {
  for (let i = 0; i < 200; i++) {
    const seen = built.seen.find((s) => s.url === url)
    if (seen !== undefined) return seen
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error(`no onResponse for ${url}`)
}

const ALLOW = 'GET, HEAD, OPTIONS'

for (const order of ORDERS) {
  test(`a 20 MB upload to a GET-only URL: 405 before the upload is sent, nothing parsed (${order})`, async (t) => {
    const built = await build(t, order)
    const big = await upload(t, built.port, 'POST', '/files/report.pdf', 20 * MB)
    t.equal(big.res.status, 405)
    t.equal(big.res.headers.allow, ALLOW)
    t.match(JSON.parse(big.res.body), { status: 405, instance: '/files/report.pdf', allow: ALLOW.split(', ') })
    t.ok(big.sentWhenAnswered < big.total / 4, `answered after ${big.sentWhenAnswered} of ${big.total} bytes`)
    t.strictSame(await seenFor(built, '/files/report.pdf'), { method: 'POST', url: '/files/report.pdf', status: 405, parsed: false }, 'multipart\'s parser never ran')

    const purge = await upload(t, built.port, 'PURGE', '/files/purged', 20 * MB)
    t.equal(purge.res.status, 501)
    t.ok(purge.sentWhenAnswered < purge.total / 4, 'a 501 too')
    const options = await upload(t, built.port, 'OPTIONS', '/files/options', 20 * MB)
    t.equal(options.res.status, 204)
    t.equal(options.res.headers.allow, ALLOW)
    t.ok(options.sentWhenAnswered < options.total / 4, 'and an OPTIONS')
    t.strictSame(built.seen.map((s) => s.parsed), [false, false, false])
    t.strictSame(built.handled, [], 'the upload route never ran')

    // the control: the same upload to the upload route is read whole
    const routed = await upload(t, built.port, 'POST', '/files', MB / 2, 64 * 1024)
    t.equal(routed.res.status, 200)
    t.strictSame(JSON.parse(routed.res.body), { name: 'big.bin', size: MB / 2 })
    t.equal(routed.sentWhenAnswered, routed.total, 'a route that reads the upload answers after the last byte')
  })

  test(`matched routes answer as without the plugin (${order})`, async (t) => {
    const built = await build(t, order)
    const plain = await build(t, null)
    const body = multipartHead('small.txt') + 'hello, multipart' + TAIL
    const form = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }
    await expectSameAnswers(t, `http://127.0.0.1:${built.port}`, `http://127.0.0.1:${plain.port}`, [
      { method: 'GET', path: '/files' },
      { method: 'HEAD', path: '/files/report.pdf' },
      { method: 'POST', path: '/files', headers: form, body },
      { method: 'POST', path: '/files', headers: { 'content-type': 'application/json' }, body: '{}' },
      { method: 'POST', path: '/files', headers: form, body: 'not multipart at all' }
    ])
  })

  test(`with a root preHandler hook, the upload is treated as on its way to a 404 (${order})`, async (t) => {
    // fastify runs multipart's content-type parser before preHandler: it only marks the request as
    // multipart and leaves the stream unread, so the 404 without the plugin comes before the upload
    // is sent, and so does the 405, after the preHandler hook
    const outcome = async (o: Order | null) => {
      const built = await build(t, o, { rootPreHandler: true })
      const res = await upload(t, built.port, 'POST', '/files/report.pdf', 20 * MB)
      const seen = await seenFor(built, '/files/report.pdf')
      return { status: res.res.status, allow: res.res.headers.allow, early: res.sentWhenAnswered < res.total / 4, preHandlers: built.preHandlers, parsed: seen.parsed }
    }
    t.strictSame(await outcome(null), { status: 404, allow: undefined, early: true, preHandlers: 1, parsed: true }, 'without the plugin')
    t.strictSame(await outcome(order), { status: 405, allow: ALLOW, early: true, preHandlers: 1, parsed: true }, 'with the plugin: the same path, a 405 at its end')
  })

  test(`attachFieldsToBody: multipart's own preValidation reads the whole upload before a 404, and before the 405 (${order})`, async (t) => {
    const FILE = 2 * MB
    const outcome = async (o: Order | null, plugin?: FastifyAllowedMethodsOptions) => {
      const built = await build(t, o, { attachFieldsToBody: true, plugin })
      const res = await upload(t, built.port, 'POST', '/files/report.pdf', FILE, 64 * 1024)
      return { status: res.res.status, allow: res.res.headers.allow, whole: res.sentWhenAnswered === res.total, fileBytes: built.fileBytes }
    }
    t.strictSame(await outcome(null), { status: 404, allow: undefined, whole: true, fileBytes: FILE }, 'without the plugin: the 404 after the upload is read')
    t.strictSame(await outcome(order), { status: 405, allow: ALLOW, whole: true, fileBytes: FILE }, 'with it: the 405 at the same point')
    t.strictSame(await outcome(order, { answerEarly: true }), { status: 405, allow: ALLOW, whole: false, fileBytes: 0 }, 'answerEarly: true: at once, nothing read')
  })
}
