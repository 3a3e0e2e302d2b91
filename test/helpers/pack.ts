import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Test } from 'tap'

export const root = resolve(__dirname, '..', '..')
export const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')

export function run (cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 })
}

/** The package packed as npm would publish it (built first if dist/ is missing), in a temp folder removed at the end of `t`. */
export function pack (t: Test): { dir: string, tarball: string } {
  if (!existsSync(join(root, 'dist', 'index.js'))) run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], root)
  const dir = mkdtempSync(join(tmpdir(), 'fam-pack-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], root)
  const tarball = readdirSync(dir).find(f => f.endsWith('.tgz')) as string
  t.match(tarball, /^fastify-allowed-methods-\d+\.\d+\.\d+\.tgz$/)
  return { dir, tarball: join(dir, tarball) }
}
