import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import type { BrowserContext } from 'playwright-core'
import type { Test } from 'tap'

// Debian's chromium (`.ci/run` installs it when missing). No skip: without it the tests fail.
export const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** A headless Chromium with a fresh profile, closed (and its profile removed) at the end of `t`. */
export async function launchChromium (t: Test, options: { viewport?: { width: number, height: number } } = {}): Promise<BrowserContext> {
  t.ok(existsSync(CHROMIUM), `${CHROMIUM} is installed (apt-get install -y chromium)`)
  const profile = mkdtempSync(join(tmpdir(), 'fam-chromium-'))
  t.teardown(() => rmSync(profile, { recursive: true, force: true }))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    ...options
  })
  t.teardown(() => context.close())
  return context
}
