import Fastify from 'fastify'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import swagger from '@fastify/swagger'
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger'
import fastifyAllowedMethods from '../../lib/index'
import type { FastifyAllowedMethodsOptions } from '../../lib/options'
import { listen, send } from './http'

export type Json = Record<string, any>

/** The three document forms swagger generates. */
export const FORMS: Array<{ name: string, options: FastifyDynamicSwaggerOptions }> = [
  { name: 'OpenAPI 3.0', options: { openapi: { openapi: '3.0.3', info: { title: 'test', version: '1.0.0' } } } },
  { name: 'OpenAPI 3.1', options: { openapi: { openapi: '3.1.0', info: { title: 'test', version: '1.0.0' } } } },
  { name: 'Swagger 2.0', options: { swagger: { info: { title: 'test', version: '1.0.0' } } } }
]

/** Validates against the official schema of the document's version; returns the errors ([] when valid). */
export async function schemaErrors (doc: unknown): Promise<unknown[]> {
  const { Validator } = await import('@seriousme/openapi-schema-validator')
  const validator = new Validator()
  const result = await validator.validate(structuredClone(doc) as Record<string, unknown>)
  if (result.valid) return []
  return Array.isArray(result.errors) ? result.errors : [result.errors]
}

/**
 * Values for the path parameters of the test apps, chosen here by hand to fit each route
 * (the code under test finds its own: the two must agree through the server's answers).
 */
const VALUES: Record<string, string> = { id: '7', lat: '1', lng: '2', '*': 'a/b', code: 'abc', name: 'box', slug: 'hello' }

/** A concrete request path for a document path key. */
export function urlOf (key: string, base = ''): string {
  const path = key.replace(/\{([^}]*)\}/g, (_, name: string) => {
    const value = VALUES[name]
    if (value === undefined) throw new Error(`no test value for the parameter ${name} of ${key}`)
    return value
  }).replaceAll('?', '')
  return (base + path) || '/'
}

/** The operation this plugin adds: a 204 response documenting Allow. */
export function isOurs (op: Json | undefined): boolean {
  return op?.responses?.['204']?.headers?.Allow !== undefined
}

/** The single Allow value an options operation documents (OpenAPI 3 or Swagger 2.0). */
export function documentedAllow (op: Json): string {
  const header = op.responses['204'].headers.Allow
  const values: unknown[] = header.schema?.enum ?? header.enum
  if (values.length !== 1) throw new Error('Allow enum must have exactly one value')
  return values[0] as string
}

export interface AppSetup {
  order?: 'plugin first' | 'swagger first'
  swagger?: FastifyDynamicSwaggerOptions | Record<string, unknown>
  plugin?: FastifyAllowedMethodsOptions
  server?: FastifyServerOptions
  routes: (app: FastifyInstance) => void | Promise<void>
  /** Not register fastify-allowed-methods at all (the reference document). */
  withoutPlugin?: boolean
}

/** Builds and readies an app with swagger and (unless told not to) the plugin, in the given order. */
export async function buildApp (setup: AppSetup): Promise<FastifyInstance> {
  const app = Fastify(setup.server)
  const registerPlugin = async (): Promise<void> => {
    if (setup.withoutPlugin !== true) await app.register(fastifyAllowedMethods, setup.plugin ?? {})
  }
  const registerSwagger = async (): Promise<void> => {
    await app.register(swagger, (setup.swagger ?? FORMS[0].options) as FastifyDynamicSwaggerOptions)
  }
  if (setup.order === 'swagger first') {
    await registerSwagger()
    await registerPlugin()
  } else {
    await registerPlugin()
    await registerSwagger()
  }
  await setup.routes(app)
  await app.ready()
  return app
}

/** One live OPTIONS request: status and Allow header. */
export async function liveOptions (base: string, path: string): Promise<{ status: number, allow: string | undefined }> {
  const res = await send(base, 'OPTIONS', path)
  return { status: res.status, allow: res.headers.allow as string | undefined }
}

export { listen, send }
