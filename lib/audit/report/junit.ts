import type { AuditReport, CheckResult } from '../types'

/**
 * JUnit XML for CI servers (Jenkins, GitLab, GitHub test reporters, Azure DevOps): `<testsuites>`,
 * one `<testsuite>` per path, one `<testcase>` per check, a `<failure>` with the reason under each
 * failed one. An incomplete audit (the deadline passed) adds a testsuite whose testcase is an
 * `<error>`. The audit does not time single checks: testcases say `time="0"`, the whole run its
 * duration.
 */

/**
 * Characters XML 1.0 cannot carry at all, not even as a reference: the C0 controls but tab, line
 * feed and carriage return, lone surrogates, U+FFFE and U+FFFF. They are written as `\u0001`.
 */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

function visible (text: string): string {
  return text.replace(NOT_XML, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** Text content: `&`, `<` and `>` escaped, a carriage return as a reference (a parser would make it a line feed). */
function text (value: string): string {
  return visible(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;')
}

/** An attribute value in double quotes; line feeds and tabs kept as references (a parser would make them spaces). */
function attr (value: string | number): string {
  return text(String(value)).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;')
}

function attributes (values: Record<string, string | number>): string {
  return Object.entries(values).map(([name, value]) => ` ${name}="${attr(value)}"`).join('')
}

function seconds (ms: number): string {
  return (ms / 1000).toFixed(3)
}

function testcase (result: CheckResult): string[] {
  const open = `    <testcase${attributes({ name: `${result.method} ${result.check}`, classname: result.path, time: '0' })}`
  if (result.verdict === 'pass') return [`${open}/>`]
  const details = `${result.method} ${result.url}\nexpected: ${result.expected}\ngot: ${result.got}\nreason: ${result.reason}`
  return [
    `${open}>`,
    `      <failure${attributes({ message: result.reason, type: result.check })}>${text(details)}</failure>`,
    '    </testcase>'
  ]
}

function testsuite (name: string, tests: number, failures: number, errors: number, body: string[]): string[] {
  return [
    `  <testsuite${attributes({ name, tests, failures, errors, skipped: 0, time: '0' })}>`,
    ...body,
    '  </testsuite>'
  ]
}

export function formatJunit (report: AuditReport): string {
  const byPath = new Map<string, CheckResult[]>()
  for (const result of report.results) {
    const list = byPath.get(result.path)
    if (list === undefined) byPath.set(result.path, [result])
    else list.push(result)
  }
  const suites: string[] = []
  for (const [path, results] of byPath) {
    suites.push(...testsuite(path, results.length, results.filter(r => r.verdict === 'fail').length, 0, results.flatMap(testcase)))
  }
  const { incomplete, summary } = report
  if (incomplete !== undefined) {
    const message = `the audit is incomplete: ${incomplete.reason}`
    const unchecked = `\nnot checked: ${incomplete.uncheckedPaths.join(', ')}`
    suites.push(...testsuite('(incomplete audit)', 1, 0, 1, [
      `    <testcase${attributes({ name: 'deadline', classname: '(incomplete audit)', time: '0' })}>`,
      `      <error${attributes({ message, type: 'incomplete' })}>${text(message + unchecked)}</error>`,
      '    </testcase>'
    ]))
  }
  const errors = incomplete === undefined ? 0 : 1
  const name = `fastify-allowed-methods audit of ${report.target} against ${report.document.source} (${report.document.version})`
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name, tests: summary.checks + errors, failures: summary.failed, errors, skipped: 0, time: seconds(summary.durationMs) })}>`,
    ...suites,
    '</testsuites>',
    ''
  ].join('\n')
}
