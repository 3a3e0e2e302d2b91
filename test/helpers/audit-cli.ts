import { execFile } from 'node:child_process'
import { join } from 'node:path'
import type { CliIO } from '../../lib/cli'

export const CLI = join(__dirname, '..', '..', 'lib', 'cli.ts')

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs the CLI as its own process, the way a user runs the bin: lib/cli.ts through the same
 * TypeScript loader the tests use (process.execArgv), so no build is needed and the child's
 * coverage maps onto the same statements as the in-process tests'. (A faster loader such as tsx
 * transpiles differently: tap, which follows child processes, would then merge two different
 * statement maps of the same file.) Starting that loader takes seconds: keep such runs few.
 */
export function runCli (args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...process.execArgv, CLI, ...args], { timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1
      resolve({ code, stdout, stderr })
    })
  })
}

export interface CapturedIO extends CliIO {
  /** What main() wrote to stdout, then to stderr, so far. */
  out: () => string
  err: () => string
}

/** The streams of an in-process main() run, captured (not terminals, no environment). */
export function captureIO (): CapturedIO {
  let out = ''
  let err = ''
  return {
    stdout: { write: (text: string) => { out += text } },
    stderr: { write: (text: string) => { err += text } },
    env: {},
    out: () => out,
    err: () => err
  }
}
