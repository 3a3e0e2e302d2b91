import { test } from 'tap'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { launchChromium } from './helpers/chromium'
import { startDemo } from './helpers/demo'

const SCREENSHOT = join(__dirname, '..', 'docs', 'swagger-ui.png')

test('swagger-ui at /documentation renders the OPTIONS operations and the 405 response', async (t) => {
  const base = await startDemo(t)
  const context = await launchChromium(t, { viewport: { width: 1280, height: 900 } })
  // the page may load only what the demo serves
  const elsewhere: string[] = []
  await context.route('**/*', async (route) => {
    const url = route.request().url()
    if (url.startsWith(base)) return await route.continue()
    elsewhere.push(url)
    return await route.abort()
  })
  const page = await context.newPage()
  await page.goto(`${base}/documentation`)
  await page.waitForSelector('.opblock-options', { timeout: 20_000 })

  const summaries = await page.$$eval('.opblock-options .opblock-summary', els => els.map(e => e.textContent?.replace(/\s+/g, ' ').trim()))
  t.ok(summaries.length >= 1, 'OPTIONS operations are rendered')
  t.match(summaries.join('\n'), /OPTIONS\s*\/items\/\{id\}\s*Allowed methods: GET, HEAD, PUT, OPTIONS/)

  await page.click('.opblock-options:has-text("/items/{id}") .opblock-summary')
  const opened = page.locator('.opblock-options.is-open')
  await opened.locator('.responses-table').waitFor()
  const text = (await opened.textContent()) ?? ''
  t.match(text, /204\s*No Content/, 'the 204 response')
  t.match(text, /Exactly the methods of this path: GET, HEAD, PUT, OPTIONS/, 'its Allow header')
  t.match(text, /405\s*Method Not Allowed/, 'the 405 response')
  t.match(text, /application\/problem\+json/, 'with its media type')
  t.match(text, /"title": "Method Not Allowed"/, 'and its problem example')

  // the demo's usual address instead of this run's port, so that the image changes only with the UI
  const usual = 'http://127.0.0.1:3000'
  await page.$$eval('.topbar input', (els, [from, to]) => { for (const el of els as unknown as Array<{ value: string }>) el.value = el.value.replace(from, to) }, [base, usual])
  await page.$$eval('.info a', (els, [from, to]) => { for (const el of els) el.textContent = (el.textContent ?? '').replace(from, to) }, [base, usual])
  mkdirSync(join(__dirname, '..', 'docs'), { recursive: true })
  await page.screenshot({ path: SCREENSHOT, fullPage: true })
  t.ok(existsSync(SCREENSHOT), 'screenshot saved to docs/swagger-ui.png')
  t.same(elsewhere, [], 'nothing was fetched from outside the demo')
})
