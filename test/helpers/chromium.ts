import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { chromium } from 'playwright-core'
import type { BrowserContext } from 'playwright-core'
import type { Test } from 'tap'

/**
 * Which Chromium the browser tests drive, chosen by `FAM_CHROMIUM`:
 * - unset or `auto`: the system's Chromium (Debian's /usr/bin/chromium) when it is installed,
 *   otherwise the one in the `@sparticuz/chromium` devDependency;
 * - `system`: /usr/bin/chromium, and fail when it is missing;
 * - `npm`: the devDependency's, even where a system Chromium exists.
 * Either way no test is skipped: a Chromium that cannot start fails the test.
 */
export const SYSTEM_CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

export interface ChromiumBinary {
  source: 'system' | 'npm'
  executablePath: string
  /** Extra environment for the npm Chromium: its own NSS/expat libraries and fonts. */
  env?: Record<string, string>
}

export function chooseChromium (choice = process.env.FAM_CHROMIUM ?? 'auto', system = SYSTEM_CHROMIUM): 'system' | 'npm' {
  if (choice === 'system' || choice === 'npm') return choice
  if (choice !== 'auto' && choice !== '') throw new Error(`FAM_CHROMIUM must be auto, system or npm, not ${JSON.stringify(choice)}`)
  return existsSync(system) ? 'system' : 'npm'
}

/**
 * The `@sparticuz/chromium` binary, unpacked once per package version into
 * node_modules/.cache/fastify-allowed-methods/chromium-<version>/. The package unpacks into the OS
 * temp folder (tmpdir()/chromium and friends, reused whatever their version), so it runs here in a
 * child process whose TMPDIR is a fresh folder, then the folder is renamed into place: two test
 * processes unpacking at once each get a complete copy, the first rename wins.
 */
export function npmChromium (): ChromiumBinary {
  const entry = require.resolve('@sparticuz/chromium')
  const pkgDir = resolve(dirname(entry), '..')
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }
  const cache = join(__dirname, '..', '..', 'node_modules', '.cache', 'fastify-allowed-methods')
  const dir = join(cache, `chromium-${version}`)
  if (!existsSync(join(dir, 'chromium'))) {
    mkdirSync(cache, { recursive: true })
    const staging = mkdtempSync(join(cache, `chromium-${version}.tmp-`))
    try {
      const bin = join(pkgDir, 'bin')
      // al2023 holds the NSS, NSPR and expat libraries the binary links to (a bare machine lacks them)
      const files = ['chromium.br', 'fonts.tar.br', 'swiftshader.tar.br', 'al2023.tar.br'].map(f => join(bin, f))
      execFileSync(process.execPath, ['--input-type=module', '-e',
        `import { inflate } from ${JSON.stringify(entry)}; for (const f of ${JSON.stringify(files)}) await inflate(f)`],
      { env: { ...process.env, TMPDIR: staging }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 })
      writeFileSync(join(staging, 'fonts.conf'), `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>${join(dir, 'fonts')}</dir>
  <dir>/usr/share/fonts</dir>
  <cachedir>${join(dir, 'fonts-cache')}</cachedir>
</fontconfig>
`)
      renameSync(staging, dir)
    } catch (err) {
      rmSync(staging, { recursive: true, force: true })
      // another process renamed its complete copy first
      if (!existsSync(join(dir, 'chromium'))) throw err
    }
  }
  const libs = join(dir, 'al2023', 'lib')
  return {
    source: 'npm',
    executablePath: join(dir, 'chromium'),
    env: {
      LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH ? `${libs}:${process.env.LD_LIBRARY_PATH}` : libs,
      FONTCONFIG_FILE: join(dir, 'fonts.conf')
    }
  }
}

export function chromiumBinary (): ChromiumBinary {
  return chooseChromium() === 'system' ? { source: 'system', executablePath: SYSTEM_CHROMIUM } : npmChromium()
}

/** A headless Chromium with a fresh profile, closed (and its profile removed) at the end of `t`. */
export async function launchChromium (t: Test, options: { viewport?: { width: number, height: number } } = {}): Promise<BrowserContext> {
  const binary = chromiumBinary()
  t.ok(existsSync(binary.executablePath), `${binary.source} Chromium at ${binary.executablePath}`)
  const profile = mkdtempSync(join(tmpdir(), 'fam-chromium-'))
  t.teardown(() => rmSync(profile, { recursive: true, force: true }))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: binary.executablePath,
    headless: true,
    args: ARGS,
    ...(binary.env === undefined ? {} : { env: { ...process.env, ...binary.env } }),
    ...options
  })
  t.teardown(() => context.close())
  return context
}
