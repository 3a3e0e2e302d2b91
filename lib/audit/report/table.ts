import type { AuditReport, CheckResult } from '../types'

/** ANSI styles, used only when the output is a terminal. */
const STYLES = { red: 31, green: 32, yellow: 33, bold: 1, dim: 2 }
type Style = keyof typeof STYLES

export interface TableOptions {
  /** Colour the marks and headings (the CLI sets it when stdout is a TTY and NO_COLOR is unset). */
  colour: boolean
}

function painter (colour: boolean): (style: Style, text: string) => string {
  return colour ? (style, text) => `\u001b[${STYLES[style]}m${text}\u001b[0m` : (_, text) => text
}

/** Results grouped by path, then by method, in report order. */
function group (results: CheckResult[]): Map<string, Map<string, CheckResult[]>> {
  const byPath = new Map<string, Map<string, CheckResult[]>>()
  for (const result of results) {
    let byMethod = byPath.get(result.path)
    if (byMethod === undefined) byPath.set(result.path, byMethod = new Map())
    const list = byMethod.get(result.method)
    if (list === undefined) byMethod.set(result.method, [result])
    else list.push(result)
  }
  return byPath
}

/** The summary line: what passed, what failed, on how many paths, at what cost. */
export function summaryLine (report: AuditReport): string {
  const { summary } = report
  const cost = `(${summary.requests} requests, ${summary.durationMs} ms)`
  if (report.ok) return `✔ ${summary.checks} checks passed on ${summary.paths} paths ${cost}`
  return `✘ ${summary.failed} of ${summary.checks} checks failed, on ${summary.failingPaths} of ${summary.paths} paths ${cost}`
}

/** The line that says an audit is incomplete: why, and which paths were not checked. */
export function incompleteLine (incomplete: NonNullable<AuditReport['incomplete']>): string {
  const { uncheckedPaths } = incomplete
  const paths = uncheckedPaths.length > 5 ? `${uncheckedPaths.slice(0, 5).join(', ')} and ${uncheckedPaths.length - 5} more` : uncheckedPaths.join(', ')
  return `⚠ the audit is incomplete: ${incomplete.reason}; not checked: ${paths}`
}

/**
 * The human report: one block per path with a pass/fail mark per method and what the server
 * answered, the reason under each failed check, and a summary line.
 */
export function formatTable (report: AuditReport, options: TableOptions): string {
  const paint = painter(options.colour)
  const { document } = report
  const title = document.title === undefined ? '' : `, "${document.title}"`
  const lines = [
    paint('bold', `fastify-allowed-methods audit of ${report.target}`),
    paint('dim', `document: ${document.source} (${document.version}${title}, ${document.paths} paths${document.basePath === '' ? '' : `, base path ${document.basePath}`})`),
    ''
  ]
  for (const [path, byMethod] of group(report.results)) {
    const first = [...byMethod.values()][0][0]
    const documented = [...byMethod.entries()].filter(([, list]) => list.some(r => r.check === 'served')).map(([method]) => method)
    const heading = first.check === 'unknown-path'
      ? `${paint('bold', path)} ${paint('dim', '(not in the document)')}`
      : `${paint('bold', path)}${first.url === path ? '' : paint('dim', ` → ${first.url}`)} ${paint('dim', `documented: ${documented.length === 0 ? 'none' : documented.join(', ')}`)}`
    lines.push(heading)
    for (const [method, list] of byMethod) {
      const failed = list.filter(r => r.verdict === 'fail')
      const mark = failed.length === 0 ? paint('green', '✔') : paint('red', '✘')
      lines.push(`  ${mark} ${method.padEnd(8)} ${list[0].got}`)
      for (const result of failed) lines.push(`      ${paint('yellow', result.check)}: ${result.reason}`)
    }
    lines.push('')
  }
  lines.push(paint(report.ok ? 'green' : 'red', summaryLine(report)))
  if (report.incomplete !== undefined) lines.push(paint('yellow', incompleteLine(report.incomplete)))
  return lines.join('\n') + '\n'
}
