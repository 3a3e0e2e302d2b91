import { test } from 'tap'
import { createServer } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { audit } from '../lib/audit/index'
import type { CheckResult } from '../lib/audit/index'
import { normaliseDocument } from '../lib/openapi/document'
import { planAudit } from '../lib/audit/plan'
import { inResourceOrder, orderRequests } from '../lib/audit/schedule'
import { runBounded } from '../lib/audit/transport'
import { closeServer, listenServer } from './helpers/audit-servers'

// issue 10, item 3: on each URL, GET and HEAD (and their comparison) are done before a mutating
// method is sent; across URLs the requests stay concurrent

interface Request { method: string, url: string }
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'QUERY'])

function failures (results: CheckResult[]): string[] {
  return results.filter(r => r.verdict === 'fail').map(r => `${r.method} ${r.path} ${r.check}: ${r.reason}`)
}

/** Runs `requests` as the audit does; each takes `delay(request)` ms; returns start/end events. */
async function simulate (requests: Request[], concurrency: number, ordered: boolean, delay: (r: Request) => number): Promise<{ events: string[], maxInFlight: number }> {
  const events: string[] = []
  let inFlight = 0
  let maxInFlight = 0
  const send = async (r: Request): Promise<string> => {
    events.push(`start ${r.method} ${r.url}`)
    maxInFlight = Math.max(maxInFlight, ++inFlight)
    await sleep(delay(r))
    inFlight--
    events.push(`end ${r.method} ${r.url}`)
    return r.method
  }
  await runBounded(requests, concurrency, ordered ? inResourceOrder(requests, send) : send)
  return { events, maxInFlight }
}

/** For each URL: does any unsafe request start before every safe request of that URL ended, or a DELETE before every other request ended? */
function violations (requests: Request[], events: string[]): string[] {
  const out: string[] = []
  const urls = new Set(requests.map(r => r.url))
  for (const url of urls) {
    const safeEnds = requests.filter(r => r.url === url && SAFE.has(r.method)).map(r => events.indexOf(`end ${r.method} ${url}`))
    const unsafe = requests.filter(r => r.url === url && !SAFE.has(r.method))
    for (const r of unsafe) {
      const start = events.indexOf(`start ${r.method} ${url}`)
      if (safeEnds.some(end => end > start)) out.push(`${r.method} ${url} before a safe method ended`)
      if (r.method !== 'DELETE') continue
      for (const other of unsafe) {
        if (other !== r && events.indexOf(`end ${other.method} ${url}`) > start) out.push(`DELETE ${url} before ${other.method} ended`)
      }
    }
  }
  return out
}

const DOC = normaliseDocument({
  openapi: '3.0.3',
  paths: {
    '/things/{id}': { get: { responses: {} }, put: { responses: {} }, delete: { responses: {} } },
    '/things': { get: { responses: {} }, post: { responses: {} } },
    '/other': { get: { responses: {} }, patch: { responses: {} } }
  }
})

test('orderRequests: safe methods of every URL first, then the unsafe ones a round at a time, DELETE last on its URL', async (t) => {
  const plan = planAudit(DOC, '')
  const requests = plan.requests.map(r => `${r.method} ${r.url}`)
  const firstUnsafe = requests.findIndex(r => !SAFE.has(r.split(' ')[0]))
  t.ok(requests.slice(0, firstUnsafe).every(r => SAFE.has(r.split(' ')[0])))
  t.ok(requests.slice(firstUnsafe).every(r => !SAFE.has(r.split(' ')[0])))
  t.same(requests.filter(r => r.endsWith(' /things/1')).slice(-5), ['POST /things/1', 'PUT /things/1', 'PATCH /things/1', 'PURGE /things/1', 'DELETE /things/1'])
  // round one: the first unsafe method of every URL
  t.same(requests.slice(firstUnsafe, firstUnsafe + 4), ['POST /things/1', 'POST /things', 'POST /other', 'DELETE /fastify-allowed-methods-audit-404'])
  t.same(orderRequests([{ method: 'DELETE', url: '/a' }, { method: 'X-CUSTOM', url: '/a' }, { method: 'GET', url: '/a' }]), [
    { method: 'GET', url: '/a' }, { method: 'X-CUSTOM', url: '/a' }, { method: 'DELETE', url: '/a' }
  ])
})

test('inResourceOrder: safe methods, then the others, DELETE alone last, whatever the timings, with concurrency across URLs; without it the same run breaks it', async (t) => {
  const plan = planAudit(DOC, '')
  // GET and HEAD slow, mutations fast: a plain bounded run starts PUT while GET is in flight
  const delay = (r: Request): number => r.method === 'GET' ? 30 : r.method === 'HEAD' ? 20 : 2
  const plain = await simulate(plan.requests, 8, false, delay)
  t.not(violations(plan.requests, plain.events).length, 0, 'the check can fail: an unordered run violates it')
  for (const concurrency of [1, 3, 8]) {
    const run = await simulate(plan.requests, concurrency, true, delay)
    t.same(violations(plan.requests, run.events), [], `concurrency ${concurrency}`)
    t.equal(run.maxInFlight, concurrency, `concurrency ${concurrency} is used`)
  }
  // unsafe requests of different URLs overlap
  const slowUnsafe = await simulate(plan.requests, 8, true, r => SAFE.has(r.method) ? 1 : 15)
  const unsafeEvents = slowUnsafe.events.filter(e => !SAFE.has(e.split(' ')[1]))
  t.match(unsafeEvents.slice(0, 2), [/^start /, /^start /], 'two URLs mutate at once')
  // on one URL, POST and PUT may overlap; DELETE waits for both
  const thing = slowUnsafe.events.filter(e => e.endsWith(' /things/1') && !SAFE.has(e.split(' ')[1]))
  t.ok(thing.indexOf('start PUT /things/1') < thing.indexOf('end POST /things/1'), 'POST and PUT of one URL overlap')
  t.equal(thing.indexOf('start DELETE /things/1'), thing.length - 2, 'DELETE starts after every other request of its URL ended')
  // a URL with no safe request: DELETE still waits for the others
  const bare = [{ method: 'POST', url: '/x' }, { method: 'DELETE', url: '/x' }]
  const bareRun = await simulate(bare, 2, true, () => 5)
  t.same(bareRun.events, ['start POST /x', 'end POST /x', 'start DELETE /x', 'end DELETE /x'])
  // a failed request still releases the ones that wait for it; the failure is the run's
  const failing = [{ method: 'GET', url: '/y' }, { method: 'PUT', url: '/y' }]
  const sent: string[] = []
  await t.rejects(runBounded(failing, 2, inResourceOrder(failing, async (r) => {
    sent.push(r.method)
    if (r.method === 'GET') throw new Error('unreachable')
    return r.method
  })), /unreachable/)
  await sleep(5)
  t.same(sent, ['GET', 'PUT'])
})

test('a stateful server: HEAD never sees the resource a PUT or DELETE changed, on every run', async (t) => {
  let version = 1
  let exists = true
  const log: string[] = []
  const server = createServer((req, res) => {
    const { method, url } = req as { method: string, url: string }
    log.push(`start ${method} ${url}`)
    const answer = (status: number, headers: Record<string, string> = {}, body = ''): void => {
      log.push(`end ${method} ${url}`)
      res.writeHead(status, headers).end(method === 'HEAD' ? undefined : body)
    }
    if (url === '/things/1') {
      if (method === 'GET' || method === 'HEAD') {
        // the state is read when the answer is written, after a delay longer for HEAD
        setTimeout(() => {
          if (!exists) return answer(404, { 'content-type': 'application/json' }, '{}')
          const body = JSON.stringify({ version })
          answer(200, { 'content-type': 'application/json', etag: `"v${version}"`, 'content-length': String(Buffer.byteLength(body)) }, body)
        }, method === 'HEAD' ? 25 : 10)
        return
      }
      if (method === 'PUT') {
        version++
        return answer(200, { 'content-type': 'application/json' }, '{}')
      }
      if (method === 'DELETE') {
        exists = false
        return answer(204)
      }
      if (method === 'OPTIONS') return answer(204, { allow: 'GET, HEAD, PUT, DELETE, OPTIONS' })
      if (method === 'PURGE') return answer(501)
      return answer(405, { allow: 'GET, HEAD, PUT, DELETE, OPTIONS' })
    }
    answer(404)
  })
  const base = await listenServer(server)
  t.teardown(() => closeServer(server))
  const openapi = {
    openapi: '3.0.3',
    info: { title: 'stateful', version: '1' },
    paths: {
      '/things/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, example: 1 }],
        get: { responses: { 200: { description: 'ok' } } },
        put: { responses: { 200: { description: 'ok' } } },
        delete: { responses: { 204: { description: 'gone' } } }
      }
    }
  }
  for (let run = 0; run < 6; run++) {
    version = 1
    exists = true
    log.length = 0
    const report = await audit({ baseUrl: base, openapi, concurrency: 8 })
    t.same(failures(report.results), [], `run ${run}`)
    const lastSafeEnd = Math.max(...['GET', 'HEAD', 'OPTIONS', 'TRACE', 'QUERY'].map(m => log.indexOf(`end ${m} /things/1`)))
    const firstUnsafeStart = Math.min(...['POST', 'PUT', 'PATCH', 'DELETE', 'PURGE'].map(m => log.indexOf(`start ${m} /things/1`)))
    t.ok(lastSafeEnd < firstUnsafeStart, `run ${run}: every safe answer was written before the first mutation arrived`)
    t.ok(log.indexOf('end PUT /things/1') < log.indexOf('start DELETE /things/1'), `run ${run}: PUT before DELETE`)
  }
})
