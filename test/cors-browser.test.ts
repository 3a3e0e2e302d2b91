import { test } from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import fastifyCors from '@fastify/cors'
import type { FastifyCorsOptions } from '@fastify/cors'
import type { Page } from 'playwright-core'
import fastifyAllowedMethods, { allowedMethodsCors } from '../lib/index'
import { launchChromium } from './helpers/chromium'
import { listen } from './helpers/http'

/**
 * Issue 12, item 1, in a real browser: a page on one origin fetches with DELETE from an API on
 * another origin. With allowedMethodsCors() the preflight of a GET-only resource does not grant
 * DELETE: Chromium fails the fetch at the preflight and the API never sees the DELETE. A resource
 * that supports DELETE gets it through the preflight.
 */

interface Api { base: string, seen: string[] }

/** The API: GET /items, GET + DELETE /items/:id; `seen` logs every request it receives. */
async function startApi (t: Test, cors: FastifyCorsOptions): Promise<Api> {
  const app = Fastify()
  t.teardown(() => app.close())
  const seen: string[] = []
  app.addHook('onRequest', async (request) => { seen.push(`${request.method} ${request.url}`) })
  await app.register(fastifyAllowedMethods)
  await app.register(fastifyCors, cors)
  app.get('/items', async () => [])
  app.get('/items/:id', async () => ({ id: 1 }))
  app.delete('/items/:id', async (_request, reply) => reply.code(204).send())
  return { base: await listen(app), seen }
}

/** The page's origin: another port, so every fetch to the API is cross-origin. */
async function startPageOrigin (t: Test): Promise<string> {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/', async (_request, reply) => reply.type('text/html').send('<!doctype html><title>client</title><p>client</p>'))
  return await listen(app)
}

type FetchOutcome = { status: number } | { error: string }

async function fetchFrom (page: Page, url: string, method: string): Promise<FetchOutcome> {
  return await page.evaluate(async ([url, method]) => {
    try {
      const res = await fetch(url, { method })
      return { status: res.status }
    } catch (err) {
      return { error: `${(err as Error).name}: ${(err as Error).message}` }
    }
  }, [url, method])
}

test('Chromium: a cross-origin DELETE of a GET-only resource fails at the preflight', { timeout: 120_000 }, async (t) => {
  const pageOrigin = await startPageOrigin(t)
  const api = await startApi(t, allowedMethodsCors({ origin: pageOrigin }))
  const reference = await startApi(t, { origin: pageOrigin, methods: ['GET', 'HEAD', 'POST', 'DELETE'] })
  const context = await launchChromium(t)
  const page = await context.newPage()
  const logged: string[] = []
  page.on('console', (message) => { logged.push(message.text()) })
  await page.goto(pageOrigin + '/')
  t.not(new URL(pageOrigin).origin, new URL(api.base).origin, 'the page and the API are on different origins')

  const refused = await fetchFrom(page, api.base + '/items', 'DELETE')
  t.match(refused, { error: /^TypeError: Failed to fetch/ }, 'the fetch rejects with a TypeError')
  t.ok(api.seen.includes('OPTIONS /items'), 'the browser sent the preflight')
  t.notOk(api.seen.includes('DELETE /items'), 'the API never saw the DELETE')
  t.ok(logged.some(line => /blocked by CORS policy.*Method DELETE is not allowed by Access-Control-Allow-Methods in preflight response/.test(line)),
    'Chromium reports the CORS failure at the preflight')

  const allowed = await fetchFrom(page, api.base + '/items/1', 'DELETE')
  t.same(allowed, { status: 204 }, 'a resource that supports DELETE gets it through the preflight')
  t.same(api.seen.filter(line => line.endsWith('/items/1')), ['OPTIONS /items/1', 'DELETE /items/1'])

  // POST is CORS-safelisted: browsers do not check it against Access-Control-Allow-Methods, so a
  // preflight made for a header is granted and the POST is sent, to get the 405 (readable: cors' headers)
  const posted = await page.evaluate(async (url) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    return { status: res.status }
  }, api.base + '/items')
  t.same(posted, { status: 405 }, 'a preflighted POST to a GET-only resource gets the 405')
  t.same(api.seen.filter(line => line.endsWith(' /items')), ['OPTIONS /items', 'OPTIONS /items', 'POST /items'])

  // the same page against cors' one global `methods` list: the browser is told DELETE is allowed,
  // sends it, and only then gets the 405
  const sent = await fetchFrom(page, reference.base + '/items', 'DELETE')
  t.same(sent, { status: 405 }, 'without allowedMethodsCors() the DELETE is sent and answered 405')
  t.ok(reference.seen.includes('DELETE /items'))
})
