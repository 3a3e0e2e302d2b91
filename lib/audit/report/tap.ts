import YAML from 'yaml'
import type { AuditReport } from '../types'

/** TAP version 14: one test point per check, a YAML block with the details of each failure. */
export function formatTap (report: AuditReport): string {
  const lines = ['TAP version 14', `# fastify-allowed-methods audit of ${report.target} against ${report.document.source} (${report.document.version})`, `1..${report.results.length}`]
  report.results.forEach((result, i) => {
    const description = `${result.method} ${result.path}: ${result.check}`.replace(/#/g, '\\#')
    if (result.verdict === 'pass') {
      lines.push(`ok ${i + 1} - ${description}`)
      return
    }
    lines.push(`not ok ${i + 1} - ${description}`)
    const details = YAML.stringify({ url: result.url, expected: result.expected, got: result.got, reason: result.reason }, { lineWidth: 0 })
    lines.push('  ---', ...details.trimEnd().split('\n').map(line => `  ${line}`), '  ...')
  })
  const { summary } = report
  lines.push(`# checks ${summary.checks}, passed ${summary.passed}, failed ${summary.failed}, paths ${summary.paths}, requests ${summary.requests}`)
  // a TAP consumer fails the run on a bail out: an incomplete audit is not a clean one
  if (report.incomplete !== undefined) lines.push(`Bail out! the audit is incomplete: ${report.incomplete.reason}`)
  return lines.join('\n') + '\n'
}
