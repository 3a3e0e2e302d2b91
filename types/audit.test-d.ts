import fastify from 'fastify'
import { expectAssignable, expectError, expectType } from 'tsd'
import { audit, formatReport, FST_ALLOWED_METHODS_AUDIT_DOCUMENT, FST_ALLOWED_METHODS_AUDIT_NO_ANSWER } from '../dist/audit'
import type { AuditOptions, AuditReport, CheckName, CheckResult, ReportFormat, Verdict } from '../dist/audit'

const app = fastify()

// a Fastify instance is accepted as it is, in-process
expectType<Promise<AuditReport>>(audit({ app }))
expectType<Promise<AuditReport>>(audit({ baseUrl: 'http://127.0.0.1:3000', openapi: './openapi.yaml', concurrency: 4, timeout: 5000, maxRequests: 500 }))
expectType<Promise<AuditReport>>(audit({ baseUrl: 'https://api.example.com', openapi: { openapi: '3.1.0', paths: {} }, headers: { authorization: 'Bearer x' }, tls: { rejectUnauthorized: false } }))
expectAssignable<AuditOptions>({ app, onProgress: (done: number, total: number) => done < total, onDocument: (source: string) => source.length })

expectError(audit({ baseUrl: 3000 }))
expectError(audit({ app, openapi: 5 }))
expectError(audit({ app, concurrency: '8' }))

// the whole run's deadline, the base path on the audited server, the document size limit
expectType<Promise<AuditReport>>(audit({ baseUrl: 'http://127.0.0.1:4010', openapi: './openapi.yaml', deadline: 60_000, basePath: '/', maxDocumentSize: 64 * 1024 * 1024 }))
expectAssignable<AuditOptions>({ app, basePath: '/v2', deadline: 1000 })
expectError(audit({ app, deadline: '60s' }))
expectError(audit({ app, basePath: 2 }))
expectError(audit({ app, maxDocumentSize: '32MiB' }))

declare const report: AuditReport
expectType<boolean>(report.ok)
expectType<CheckResult[]>(report.results)
expectType<Verdict>(report.results[0].verdict)
expectType<CheckName>(report.results[0].check)
// a path parameter no value satisfies: one result for the path (issue 10, item 2)
expectAssignable<CheckName>('parameters')
expectType<string>(report.results[0].reason)
expectType<number>(report.summary.failed)
expectType<string>(formatReport(report))
expectType<string>(formatReport(report, 'tap'))
expectError(formatReport(report, 'xml'))
expectType<string>(formatReport(report, 'junit'))
expectAssignable<ReportFormat>('junit')
// an incomplete audit (the deadline passed) says what it left out
expectType<string | undefined>(report.incomplete?.reason)
expectType<number | undefined>(report.incomplete?.requestsNotAnswered)
expectType<string[] | undefined>(report.incomplete?.uncheckedPaths)
expectType<'FST_ALLOWED_METHODS_AUDIT_NO_ANSWER'>(new FST_ALLOWED_METHODS_AUDIT_NO_ANSWER('http://127.0.0.1:3000', 'no answer').code)
expectType<'FST_ALLOWED_METHODS_AUDIT_DOCUMENT'>(new FST_ALLOWED_METHODS_AUDIT_DOCUMENT('x').code)
