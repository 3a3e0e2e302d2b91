import { test } from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { launchChromium } from './helpers/chromium'
import { startDemo } from './helpers/demo'

// docs/swagger-ui.png is rewritten only on request (UPDATE_SCREENSHOT=1 npx tap test/openapi-ui.test.ts),
// so that a test run leaves the working tree as it was
const DOCS_SCREENSHOT = join(__dirname, '..', 'docs', 'swagger-ui.png')

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
  let screenshot = DOCS_SCREENSHOT
  if (process.env.UPDATE_SCREENSHOT !== '1') {
    const dir = mkdtempSync(join(tmpdir(), 'fam-screenshot-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    screenshot = join(dir, 'swagger-ui.png')
  }
  await page.screenshot({ path: screenshot, fullPage: true })
  const png = readFileSync(screenshot)
  t.same([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG screenshot of the page')
  t.ok(png.length > 10_000, 'with something on it')
  t.same(elsewhere, [], 'nothing was fetched from outside the demo')
})
