import { execFileSync, spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'

const ROOT = join(__dirname, '..', '..')

function newest (dir: string): number {
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
  }
  return latest
}

/**
 * The demo runs the built package (`require('..')`, as `npm run demo` does after `npm run build`):
 * compile it when dist/ is missing or older than lib/ (`npm test` builds before the tests run).
 */
function ensureBuilt (): void {
  let built = 0
  try {
    built = statSync(join(ROOT, 'dist', 'index.js')).mtimeMs
  } catch {}
  if (built < newest(join(ROOT, 'lib'))) {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' })
  }
}

/** The demo's app, built from dist/ as the demo builds it, not started: for in-process tests (`audit({ app })`). */
export async function buildDemoApp (): Promise<FastifyInstance> {
  ensureBuilt()

  const demo = require(join(ROOT, 'demo', 'index.js')) as { buildApp: () => Promise<FastifyInstance> }
  return await demo.buildApp()
}

/** Starts `node demo/index.js` on a free port (as a user would), stopped at the end of `t`; returns its base URL. */
export async function startDemo (t: Test, env: Record<string, string> = {}): Promise<string> {
  ensureBuilt()
  // tap measures coverage in child processes too: not here, the demo runs dist/, not lib/
  const childEnv = { ...process.env, ...env, PORT: '0', _TAPJS_PROCESSINFO_COVERAGE_: '0' }
  const child = spawn(process.execPath, ['demo/index.js'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { child.kill() })
  let output = ''
  return await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start in 20 s:\n${output}`)), 20_000)
    const watch = (chunk: Buffer): void => {
      output += chunk.toString()
      const m = /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (m !== null) {
        clearTimeout(timer)
        resolve(m[1])
      }
    }
    child.stdout.on('data', watch)
    child.stderr.on('data', watch)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the demo exited with ${String(code)}:\n${output}`))
    })
  })
}

/** Runs `redocly lint` (recommended rules) on a document; returns its JSON report. */
export function redoclyLint (file: string): { totals: { errors: number, warnings: number }, problems: Array<{ ruleId: string, severity: string, message: string, location: Array<{ pointer: string }> }> } {
  const cli = join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js')
  let out: string
  try {
    out = execFileSync(process.execPath, [cli, 'lint', file, '--format=json'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', _TAPJS_PROCESSINFO_COVERAGE_: '0' } })
  } catch (err) {
    out = (err as { stdout: string }).stdout // exit code 1 when there are errors: the report is still on stdout
  }
  return JSON.parse(out)
}
