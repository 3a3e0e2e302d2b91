/** A stream the progress bar can draw on. */
export interface ProgressStream {
  write (text: string): unknown
  columns?: number
}

/**
 * A one-line progress bar redrawn in place (`\r`), for a terminal: the CLI shows it on stderr when
 * stderr is a TTY and the audit sends many requests. `done()` erases it.
 */
export function progressBar (stream: ProgressStream): { update: (done: number, total: number) => void, done: () => void } {
  let last = -1
  return {
    update (done, total) {
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 30))
      const filled = Math.round(width * done / total)
      if (filled === last && done !== total) return
      last = filled
      stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} requests`)
    },
    done () {
      if (last !== -1) stream.write('\r\u001b[2K')
    }
  }
}
