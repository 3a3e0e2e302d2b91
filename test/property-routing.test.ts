import { test } from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance, FastifyReply, RouteShorthandOptions } from 'fastify'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import fastifyAllowedMethods from '../lib/index'
import { sortMethods } from '../lib/methods'
import { plainParamNames } from '../lib/allow'
import FindMyWay from 'find-my-way'

/**
 * Property test: thousands of generated URLs against a rich route set, under several router option
 * sets. The oracle is fastify itself, asked over real TCP: every route handler answers 200 with an
 * `x-route` header naming the route, so for each URL the set of methods that fastify routes is
 * observed, not predicted. The plugin's answers for the other methods must follow from that set.
 */

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'QUERY', 'PROPFIND']
const HOSTS = ['127.0.0.1', 'a.example', 'b.example', 'A.example:80']
const VERSIONS = [undefined, undefined, '1.0.0', '2.0.0', '1.x', '3.0.0']

/** Mulberry32: a small seeded PRNG, so that every run generates the same URLs. */
function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface RouterOptions {
  ignoreTrailingSlash?: boolean
  ignoreDuplicateSlashes?: boolean
  caseSensitive?: boolean
  useSemicolonDelimiter?: boolean
  maxParamLength?: number
}

/** Hidden routes answer with an `x-route` value starting with `hidden:`. */
function handlerFor (id: string) {
  return async (_request: unknown, reply: FastifyReply) => {
    reply.header('x-route', id)
    return id
  }
}

function hidden (extra: RouteShorthandOptions = {}): RouteShorthandOptions {
  return { ...extra, config: { allow: { hide: true } } }
}

/** The route set. Returns concrete sample paths that hit (or nearly hit) each route. */
function addRoutes (app: FastifyInstance): string[] {
  app.addHttpMethod('PROPFIND')
  const r = (method: string | string[], url: string, id: string, opts: RouteShorthandOptions = {}) => {
    const isHidden = (opts.config as { allow?: { hide?: boolean } } | undefined)?.allow?.hide === true
    app.route({ ...opts, method, url, handler: handlerFor(isHidden ? 'hidden:' + id : id) })
  }
  r('GET', '/', 'root')
  r(['GET', 'POST'], '/items', 'items')
  r(['GET', 'PUT', 'DELETE'], '/items/:id', 'item')
  r('POST', '/items/new', 'items-new')
  r('GET', '/items/:id/parts/:part', 'part')
  r('GET', '/files/*', 'files')
  r('POST', '/files/upload', 'upload')
  r('GET', '/dl/:name-:ext', 'dl')
  r('PATCH', '/dl/:name', 'dl-patch')
  r('GET', '/nums/:n(^\\d+$)', 'num')
  r('DELETE', '/nums/:w(^[a-z]+$)', 'word')
  r('PUT', '/nums/:any', 'nums-any')
  r('GET', '/opt/:x?', 'opt')
  r('POST', '/opt/fixed', 'opt-fixed')
  r('GET', '/slash', 'slash')
  r('PATCH', '/slash/', 'slash-patch')
  r('GET', '/CaseX', 'case-upper')
  r('POST', '/casex', 'case-lower')
  app.all('/everything', handlerFor('all'))
  r(['GET', 'PROPFIND'], '/dav/:res', 'dav')
  r(['GET', 'OPTIONS'], '/has-options', 'has-options')
  r('HEAD', '/head-only', 'head-only')
  r('TRACE', '/trace-me', 'trace')
  r('QUERY', '/search', 'search')
  r('GET', '/search', 'search-get')
  // constraints
  r('GET', '/host-only', 'host-a', { constraints: { host: 'a.example' } })
  r('POST', '/host-only', 'host-b', { constraints: { host: 'b.example' } })
  r('GET', '/versioned', 'v1', { constraints: { version: '1.0.0' } })
  r('GET', '/versioned', 'v2', { constraints: { version: '2.0.0' } })
  r('PUT', '/versioned', 'v-any')
  // hidden routes
  r('GET', '/secret', 'secret', hidden())
  r(['GET', 'POST'], '/mixed', 'mixed')
  r('DELETE', '/mixed', 'mixed-delete', hidden())
  r('GET', '/p/:id', 'p-any', hidden())
  r('GET', '/p/:id(^\\d+$)', 'p-num')
  r('GET', '/hw/*', 'hw', hidden())
  r('PUT', '/hw/:id', 'hw-put')
  r('GET', '/hc', 'hc-any', hidden())
  r('GET', '/hc', 'hc-a', { constraints: { host: 'a.example' } })
  r('GET', '/hv', 'hv-a', hidden({ constraints: { host: 'a.example' } }))
  r('POST', '/hv', 'hv-post')
  r('PUT', '/hc', 'hc-put-b', { constraints: { host: /^b\.example/ } })
  r('DELETE', '/hver', 'hver-1', hidden({ constraints: { version: '1.0.0' } }))
  r('DELETE', '/hver', 'hver-any')
  r('PATCH', '/hver', 'hver-patch-2', { constraints: { version: '2.0.0' } })
  // same params, different patterns: find-my-way prefers the static segment
  r('GET', '/tw/:a/x/:b', 'tw-static')
  r('GET', '/tw/:a/:b/x', 'tw-param', hidden())
  // same param count, different names: only the hidden one is in the shadow router
  r('GET', '/r/:a(^\\d+$)', 'r-num')
  r('GET', '/r/:b', 'r-any', hidden())
  r(['GET', 'HEAD'], '/ho', 'ho')
  r('OPTIONS', '/ho', 'ho-options', hidden())
  // prefixes
  app.register(async (api) => {
    api.get('/', handlerFor('api-root'))
    api.post('/users', handlerFor('api-users'))
    api.get('/users/:id', handlerFor('api-user'))
    api.delete('/users/:id', hidden(), handlerFor('hidden:api-user-delete'))
    api.register(async (deep) => {
      deep.put('/', handlerFor('deep-root'))
      deep.delete('/', hidden(), handlerFor('hidden:deep-root-delete'))
      deep.route({ method: 'PATCH', url: '/', prefixTrailingSlash: 'slash', handler: handlerFor('deep-root-patch') })
      deep.get('/x/:y', handlerFor('deep-x'))
    }, { prefix: '/deep' })
  }, { prefix: '/api' })
  app.register(async (v2) => {
    v2.get('/', handlerFor('v2-root'))
    v2.patch('/thing', handlerFor('v2-thing'))
  }, { prefix: '/v2/' })
  app.register(async (tenant) => {
    tenant.get('/', handlerFor('tenant-root'))
    tenant.post('/docs/:doc', handlerFor('tenant-doc'))
    tenant.get('/docs/:doc', hidden(), handlerFor('hidden:tenant-doc-get'))
  }, { prefix: '/t/:tenant' })

  // templates: {id} digits, {w} a lowercase word, {W} a mixed-case word, {path} words joined by '/'
  return [
    '/', '/items', '/items/{id}', '/items/{w}', '/items/new', '/items/{id}/parts/{id}', '/items/{w}/parts',
    '/files/{w}.txt', '/files/{path}', '/files/upload', '/files', '/files/',
    '/dl/{w}-{w}', '/dl/{w}', '/dl/-', '/dl/{w}-{w}-{w}',
    '/nums/{id}', '/nums/{w}', '/nums/{id}{w}', '/nums/',
    '/opt', '/opt/', '/opt/{W}', '/opt/fixed',
    '/slash', '/slash/', '/CaseX', '/casex', '/CASEX', '/everything', '/everything/',
    '/dav/{w}', '/dav', '/has-options', '/head-only', '/trace-me', '/search',
    '/host-only', '/versioned', '/secret', '/mixed', '/p/{id}', '/p/{w}', '/hw/{w}', '/hw/{path}',
    '/hc', '/hv', '/hver', '/tw/{w}/x/x', '/tw/{w}/{w}/x', '/tw/{w}/x/{w}', '/ho', '/r/{id}', '/r/{w}',
    '/t/{w}', '/t/{w}/', '/t/{w}/docs/{id}', '/t/{w}/docs', '/api/deep/x',
    '/api', '/api/', '/api/users', '/api/users/{id}', '/api/deep', '/api/deep/', '/api/deep/x/{W}',
    '/v2', '/v2/', '/v2/thing', '/{w}', '/items/{id}/{w}', '/api/{w}'
  ]
}

function fill (template: string, rnd: () => number): string {
  const word = (upper: boolean) => {
    const n = 1 + Math.floor(rnd() * 9)
    let w = ''
    for (let i = 0; i < n; i++) {
      const c = String.fromCharCode(97 + Math.floor(rnd() * 26))
      w += upper && rnd() < 0.5 ? c.toUpperCase() : c
    }
    return w
  }
  return template
    .replace(/\{id\}/g, () => String(Math.floor(rnd() * 10 ** (1 + Math.floor(rnd() * 8)))))
    .replace(/\{w\}/g, () => word(false))
    .replace(/\{W\}/g, () => word(true))
    .replace(/\{path\}/g, () => Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => word(false)).join('/'))
}

const VOCAB = ['items', 'files', 'api', 'users', 'dl', 'nums', 'opt', 'dav', 'p', 'hw', 'deep', 'v2', 'x',
  'new', 'upload', '42', 'a-b', 'thing', 'search', 'mixed', 'secret', 'zz', '']

const BAD_ENCODINGS = ['%', '%zz', '%E0%A4%A', '%C3', '%c0%af', '%u0041', '%%']

/** Generates `count` request targets: real paths, random paths, and their mutations. */
function generateUrls (seed: number, samples: string[], count: number, maxParamLength: number): string[] {
  const rnd = prng(seed)
  const pick = <T>(list: T[]): T => list[Math.floor(rnd() * list.length)]
  const urls: string[] = samples.map(u => fill(u, rnd))
  while (urls.length < count) {
    let url: string
    if (rnd() < 0.7) {
      url = fill(pick(samples), rnd)
    } else {
      const n = 1 + Math.floor(rnd() * 4)
      url = ''
      for (let i = 0; i < n; i++) url += '/' + pick(VOCAB)
    }
    const mutations = rnd() < 0.55 ? 0 : 1 + Math.floor(rnd() * 2)
    for (let i = 0; i < mutations; i++) url = mutate(url, rnd, pick, maxParamLength)
    if (!url.startsWith('/')) url = '/' + url
    urls.push(url)
  }
  return urls
}

function mutate (url: string, rnd: () => number, pick: <T>(list: T[]) => T, maxParamLength: number): string {
  const at = (s: string) => Math.floor(rnd() * (s.length + 1))
  switch (Math.floor(rnd() * 11)) {
    case 0: // trailing slash toggled
      return url.endsWith('/') && url.length > 1 ? url.slice(0, -1) : url + '/'
    case 1: { // a doubled slash
      const slashes = [...url].map((c, i) => c === '/' ? i : -1).filter(i => i >= 0)
      const i = pick(slashes)
      return url.slice(0, i) + '/' + url.slice(i)
    }
    case 2: { // case flips
      return [...url].map(c => rnd() < 0.4 ? (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) : c).join('')
    }
    case 3: { // a valid %-encoding of a letter, digit or '-'
      const positions = [...url].map((c, i) => /[A-Za-z0-9-]/.test(c) ? i : -1).filter(i => i >= 0)
      if (positions.length === 0) return url
      const i = pick(positions)
      return url.slice(0, i) + '%' + url.charCodeAt(i).toString(16).toUpperCase().padStart(2, '0') + url.slice(i + 1)
    }
    case 4: { // a bad %-encoding
      const i = at(url)
      return url.slice(0, i) + pick(BAD_ENCODINGS) + url.slice(i)
    }
    case 5: { // an over-long segment
      const parts = url.split('/')
      const i = 1 + Math.floor(rnd() * Math.max(1, parts.length - 1))
      parts[Math.min(i, parts.length - 1)] = 'L'.repeat(maxParamLength + 1 + Math.floor(rnd() * 20))
      return parts.join('/')
    }
    case 6: // a query string (sometimes badly encoded)
      return url + pick(['?a=1', '?a=1&b=2', '?x=%zz', '?', '?/items/1', '?q=a;b'])
    case 7: // `;` parameters
      return url + pick([';jsessionid=1', ';a=b', ';'])
    case 8: { // a `;` inside the path
      const i = at(url)
      return url.slice(0, i) + ';p=1' + url.slice(i)
    }
    case 9: // absolute-form request target (RFC 9112 section 3.2.2)
      return pick(['http://a.example', 'http://127.0.0.1:1', 'https://b.example']) + url
    default: { // an encoded slash or dot segment
      const i = at(url)
      return url.slice(0, i) + pick(['%2F', '/.', '/..', '%2e']) + url.slice(i)
    }
  }
}

interface Answer { status: number, route: string | undefined, allow: string | undefined, type: string | undefined, body: string }

function send (agent: http.Agent, port: number, method: string, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const extra: Record<string, string> = method === 'QUERY' ? { 'content-type': 'text/plain' } : {}
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: { ...headers, ...extra } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({
        status: res.statusCode as number,
        route: res.headers['x-route'] as string | undefined,
        allow: res.headers.allow,
        type: res.headers['content-type'],
        body: Buffer.concat(chunks).toString()
      }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

interface Case { url: string, headers: Record<string, string> }

interface OptionSet {
  name: string
  options: RouterOptions
  seed: number
  autoOptions?: boolean
  exposeHeadRoutes?: boolean
  /** A root preHandler that lets every request through: the plugin answers from its late hook. */
  laterHook?: boolean
  /** Routes added before the plugin: read back from fastify's route tree, their config unread (none hidden). */
  routesFirst?: boolean
}

async function buildApp (set: OptionSet): Promise<{ app: FastifyInstance, samples: string[], port: number }> {
  const app = Fastify({ routerOptions: set.options, exposeHeadRoutes: set.exposeHeadRoutes ?? true })
  let samples: string[] = []
  if (set.routesFirst === true) samples = addRoutes(app)
  await app.register(fastifyAllowedMethods, { autoOptions: set.autoOptions ?? true })
  if (set.laterHook === true) app.addHook('preHandler', (_request, _reply, done) => { done() })
  if (set.routesFirst !== true) samples = addRoutes(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, samples, port: (app.server.address() as AddressInfo).port }
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T> (items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const workers = Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++])
  })
  await Promise.all(workers)
}

type Stats = Record<'served' | 'notAllowed' | 'options' | 'notFound' | 'rejected', number>

/** Checks one answer against the observed routing; returns what is wrong, or null. */
function check (method: string, a: Answer, url: string, expectedAllow: string[], autoOptions: boolean, stats: Stats): string | null {
  const got = `${a.status} allow=${a.allow ?? '-'}`
  if (a.route !== undefined) {
    stats.served++
    return a.status === 200 ? null : got
  }
  if (a.status === 400 || a.status === 414) {
    // fastify's own rejection of the URL: its own answer, never the plugin's
    stats.rejected++
    const code = method === 'HEAD' ? undefined : (JSON.parse(a.body) as { code?: string }).code
    if (method !== 'HEAD' && code !== 'FST_ERR_BAD_URL' && code !== 'FST_ERR_MAX_PARAM_LENGTH') return `${got} code=${code}`
    return a.allow === undefined ? null : got
  }
  if (expectedAllow.length === 0) {
    stats.notFound++
    const want = method === 'HEAD' ? '' : JSON.stringify({ message: `Route ${method}:${url} not found`, error: 'Not Found', statusCode: 404 })
    return a.status === 404 && a.allow === undefined && a.body === want ? null : `${got} body=${a.body}`
  }
  const allow = expectedAllow.join(', ')
  if (method === 'OPTIONS' && autoOptions) {
    stats.options++
    return a.status === 204 && a.allow === allow && a.body === '' ? null : got
  }
  stats.notAllowed++
  if (a.status !== 405 || a.allow !== allow) return got
  if (method === 'HEAD') return a.body === '' ? null : `${got} body=${a.body}`
  const problem = JSON.parse(a.body) as { status: number, allow: string[], instance: string }
  const instance = url.split('?')[0]
  if (a.type !== 'application/problem+json' || problem.status !== 405 || problem.allow.join(', ') !== allow || problem.instance !== instance) {
    return `${got} type=${a.type} body=${a.body}`
  }
  return null
}

const OPTION_SETS: OptionSet[] = [
  { name: 'defaults', options: {}, seed: 1 },
  { name: 'ignoreTrailingSlash + ignoreDuplicateSlashes', options: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true }, seed: 2 },
  { name: 'caseSensitive false', options: { caseSensitive: false }, seed: 3 },
  { name: 'useSemicolonDelimiter', options: { useSemicolonDelimiter: true }, seed: 4 },
  { name: 'maxParamLength 6', options: { maxParamLength: 6 }, seed: 5 },
  { name: 'defaults, autoOptions false, exposeHeadRoutes false', options: {}, seed: 6, autoOptions: false, exposeHeadRoutes: false },
  { name: 'defaults, a root preHandler on the 404 path (late answers)', options: {}, seed: 7, laterHook: true },
  { name: 'defaults, routes registered before the plugin', options: {}, seed: 8, routesFirst: true }
]

const URLS_PER_SET = Number(process.env.PROPERTY_URLS ?? 800)

for (const set of OPTION_SETS) {
  const { name, options, seed } = set
  const autoOptions = set.autoOptions ?? true
  test(`property: Allow agrees with real routing (${name})`, async (t) => {
    const { app, samples, port } = await buildApp(set)
    const agent = new http.Agent({ keepAlive: true, maxSockets: 24 })
    t.teardown(async () => {
      agent.destroy()
      await app.close()
    })
    const rnd = prng(seed * 7919)
    const urls = generateUrls(seed, samples, URLS_PER_SET, options.maxParamLength ?? 100)
    const cases: Case[] = urls.map(url => {
      const headers: Record<string, string> = { host: HOSTS[Math.floor(rnd() * HOSTS.length)] }
      const version = VERSIONS[Math.floor(rnd() * VERSIONS.length)]
      if (version !== undefined) headers['accept-version'] = version
      return { url, headers }
    })

    const failures: string[] = []
    const stats = { served: 0, notAllowed: 0, options: 0, notFound: 0, rejected: 0, urls: cases.length }

    await pool(cases, 12, async (c) => {
      const answers = await Promise.all(METHODS.map(m => send(agent, port, m, c.url, c.headers)))
      const byMethod = new Map(METHODS.map((m, i) => [m, answers[i]]))
      const visible = METHODS.filter(m => {
        const route = byMethod.get(m)?.route
        return route !== undefined && (set.routesFirst === true || !route.startsWith('hidden:'))
      })
      const expectedAllow = visible.length > 0 ? sortMethods(autoOptions ? [...visible, 'OPTIONS'] : visible) : []
      const wrong: string[] = []
      const decorator = app.allowedMethods(c.url, c.headers)
      if (decorator.join(', ') !== expectedAllow.join(', ')) wrong.push(`allowedMethods() ${JSON.stringify(decorator)}`)
      for (const method of METHODS) {
        const problem = check(method, byMethod.get(method) as Answer, c.url, expectedAllow, autoOptions, stats)
        if (problem !== null) wrong.push(`${method}: ${problem}`)
      }
      if (wrong.length > 0) {
        failures.push(`${c.url} ${JSON.stringify(c.headers)} served by ${JSON.stringify(answers.map((a, i) => a.route === undefined ? '' : METHODS[i] + '=' + a.route).filter(Boolean))}, want Allow ${JSON.stringify(expectedAllow)}; ${wrong.join('; ')}`)
      }
    })

    t.same(failures.slice(0, 30), [], `${stats.urls} URLs x ${METHODS.length} methods: ${JSON.stringify(stats)}, ${failures.length} wrong`)
    // the generator must actually reach every kind of answer, or the property proves little
    const n = cases.length
    t.ok(stats.served > n / 6, 'many requests were served by routes')
    t.ok(stats.notAllowed > n / 4, 'many requests got 405')
    if (autoOptions) t.ok(stats.options > n / 40, 'many requests got 204 to OPTIONS')
    t.ok(stats.notFound > n / 4, 'many requests got 404')
    t.ok(stats.rejected > n / 40, 'many requests were rejected by fastify itself (400/414)')
  })
}

test('plainParamNames agrees with find-my-way\'s own parser, or defers to it', async (t) => {
  const patterns = [
    '/', '/items', '/items/:id', '/items/:id/parts/:part', '/files/*', '*', '/dl/:name-:ext', '/v.:ver',
    '/:a.:b', '/:a-:b-:c', '/x/:a-static', '/a:b', '/a%20b/:id', '/:a/:b/x', '/t/:tenant/docs/:doc', '/:a.json',
    '/nums/:n(^\\d+$)', '/opt/:x?', '/esc::aped/:id', '/re/:a(^\\w+$)-:b', '/CaseX/:Id'
  ]
  let deferred = 0
  for (const pattern of patterns) {
    const names = plainParamNames(pattern)
    if (names === null) {
      deferred++
      continue
    }
    const router = FindMyWay()
    router.on('GET', pattern, () => {})
    const parsed = (router as unknown as { routes: Array<{ params: string[] }> }).routes[0].params
    t.same(names, parsed, pattern)
  }
  t.equal(deferred, 4, 'regex, optional and escaped patterns go to find-my-way')
})
