import fastify from 'fastify'
import { expectAssignable, expectError, expectType } from 'tsd'
import { audit, formatReport, FST_ALLOWED_METHODS_AUDIT_DOCUMENT } from '../dist/audit'
import type { AuditOptions, AuditReport, CheckName, CheckResult, Verdict } from '../dist/audit'

const app = fastify()

// a Fastify instance is accepted as it is, in-process
expectType<Promise<AuditReport>>(audit({ app }))
expectType<Promise<AuditReport>>(audit({ baseUrl: 'http://127.0.0.1:3000', openapi: './openapi.yaml', concurrency: 4, timeout: 5000, maxRequests: 500 }))
expectType<Promise<AuditReport>>(audit({ baseUrl: 'https://api.example.com', openapi: { openapi: '3.1.0', paths: {} }, headers: { authorization: 'Bearer x' }, tls: { rejectUnauthorized: false } }))
expectAssignable<AuditOptions>({ app, onProgress: (done: number, total: number) => done < total, onDocument: (source: string) => source.length })

expectError(audit({ baseUrl: 3000 }))
expectError(audit({ app, openapi: 5 }))
expectError(audit({ app, concurrency: '8' }))

declare const report: AuditReport
expectType<boolean>(report.ok)
expectType<CheckResult[]>(report.results)
expectType<Verdict>(report.results[0].verdict)
expectType<CheckName>(report.results[0].check)
expectType<string>(report.results[0].reason)
expectType<number>(report.summary.failed)
expectType<string>(formatReport(report))
expectType<string>(formatReport(report, 'tap'))
expectError(formatReport(report, 'xml'))
expectType<'FST_ALLOWED_METHODS_AUDIT_DOCUMENT'>(new FST_ALLOWED_METHODS_AUDIT_DOCUMENT('x').code)
