import type { AuditReport } from '../types'
import { formatTable } from './table'
import { formatTap } from './tap'

export type ReportFormat = 'table' | 'json' | 'tap'
export const REPORT_FORMATS: ReportFormat[] = ['table', 'json', 'tap']

/** The report as text: `table` for people (colour optional), `json` and `tap` for CI. */
export function formatReport (report: AuditReport, format: ReportFormat = 'table', options: { colour?: boolean } = {}): string {
  if (format === 'json') return JSON.stringify(report, null, 2) + '\n'
  if (format === 'tap') return formatTap(report)
  return formatTable(report, { colour: options.colour === true })
}
