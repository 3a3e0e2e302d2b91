import type { AuditReport } from '../types'
import { formatJunit } from './junit'
import { formatTable } from './table'
import { formatTap } from './tap'

export type ReportFormat = 'table' | 'json' | 'tap' | 'junit'
export const REPORT_FORMATS: ReportFormat[] = ['table', 'json', 'tap', 'junit']

/** The report as text: `table` for people (colour optional), `json`, `tap` and `junit` (JUnit XML) for CI. */
export function formatReport (report: AuditReport, format: ReportFormat = 'table', options: { colour?: boolean } = {}): string {
  if (format === 'json') return JSON.stringify(report, null, 2) + '\n'
  if (format === 'tap') return formatTap(report)
  if (format === 'junit') return formatJunit(report)
  return formatTable(report, { colour: options.colour === true })
}
