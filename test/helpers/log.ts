import Fastify from 'fastify'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'

/** One line of the app's JSON log. */
export interface LogLine { level: number, msg: string, [key: string]: unknown }

/** A Fastify app whose warnings (and worse) are kept in `lines`, for tests of what the plugin logs. */
export function appWithLog (options: FastifyServerOptions = {}): { app: FastifyInstance, lines: LogLine[], messages: () => string } {
  const lines: LogLine[] = []
  const app = Fastify({ ...options, logger: { level: 'warn', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } })
  return { app, lines, messages: () => lines.map(l => l.msg).join('\n') }
}
