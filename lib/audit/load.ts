import { DocumentError, normaliseDocument, parseDocumentText, readDocumentFile, tooLargeMessage } from '../openapi/document'
import type { ApiDocument } from '../openapi/document'
import { FST_ALLOWED_METHODS_AUDIT_DOCUMENT } from './errors'
import { fetchText } from './http'
import type { HttpOptions } from './http'
import type { Transport } from './transport'
import type { InjectableApp } from './types'

/** Where servers usually publish their document: @fastify/swagger-ui, then the common file names. */
export const DISCOVERY_PATHS = ['/documentation/json', '/openapi.json', '/swagger.json']

export interface LoadedDocument {
  document: ApiDocument
  /** Where it came from, as the report shows it. */
  source: string
}

export interface LoadContext {
  openapi: string | Record<string, unknown> | undefined
  app: InjectableApp | undefined
  transport: Transport
  /** The path of the base URL (`''` or `/api`): discovery looks under it first. */
  basePrefix: string
  /** How the report names a discovered path: the full URL over HTTP, the path in-process. */
  display: (path: string) => string
  http: HttpOptions
  /** The largest document read, in bytes: a larger one is refused, never cut. */
  maxDocumentSize: number
}

/** Runs `load` and turns a DocumentError into the audit's coded error, naming the document. */
async function attempt (label: string, load: () => unknown): Promise<ApiDocument> {
  try {
    return normaliseDocument(await load())
  } catch (err) {
    if (err instanceof DocumentError) throw new FST_ALLOWED_METHODS_AUDIT_DOCUMENT(`the document ${label} ${err.message}`)
    throw err
  }
}

async function fromUrl (url: string, http: HttpOptions, maxBytes: number): Promise<unknown> {
  let answer: { status: number, text: string, tooLarge: boolean }
  try {
    answer = await fetchText(new URL(url), http, maxBytes)
  } catch (err) {
    if ((err as { code?: string }).code === 'FST_ALLOWED_METHODS_AUDIT_NETWORK') throw err
    throw new DocumentError(`could not be fetched: ${(err as Error).message}`)
  }
  if (answer.status < 200 || answer.status > 299) throw new DocumentError(`could not be fetched: the server answered ${answer.status}`)
  if (answer.tooLarge) throw new DocumentError(tooLargeMessage(maxBytes))
  return parseDocumentText(answer.text)
}

/** Tries the usual locations on the audited server; the first one (in order) that holds a document wins. */
async function discover (context: LoadContext): Promise<LoadedDocument> {
  const bases = context.basePrefix === '' ? [''] : [context.basePrefix, '']
  const tried: string[] = []
  for (const base of bases) {
    // the locations of one base at once: a server that never answers costs one timeout, not three;
    // one byte over the limit tells a document too large from one that fits exactly
    const answers = await Promise.all(DISCOVERY_PATHS.map(path => context.transport.send('GET', base + path, context.maxDocumentSize + 1)))
    for (const [i, path] of DISCOVERY_PATHS.entries()) {
      const answer = answers[i]
      if (answer.error === undefined && answer.status >= 200 && answer.status <= 299) {
        if (answer.body.length > context.maxDocumentSize) {
          throw new FST_ALLOWED_METHODS_AUDIT_DOCUMENT(`the document at ${context.display(base + path)} ${tooLargeMessage(context.maxDocumentSize)}`)
        }
        try {
          const document = normaliseDocument(parseDocumentText(answer.body.toString('utf8')))
          return { document, source: context.display(base + path) }
        } catch (err) {
          tried.push(`${base + path} (${(err as Error).message})`)
          continue
        }
      }
      tried.push(`${base + path} (${answer.error ?? answer.status})`)
    }
  }
  throw new FST_ALLOWED_METHODS_AUDIT_DOCUMENT(`no OpenAPI document found at ${tried.join(', ')}; pass its file or URL with --openapi (the \`openapi\` option)`)
}

/**
 * The document to audit against: the `openapi` option (object, file, URL), else `app.swagger()`,
 * else the first usual location the server answers.
 */
export async function loadDocument (context: LoadContext): Promise<LoadedDocument> {
  const { openapi, app } = context
  if (typeof openapi === 'object') {
    return { document: await attempt('given as an object', () => openapi), source: '(object)' }
  }
  if (typeof openapi === 'string') {
    if (/^https?:\/\//i.test(openapi)) {
      return { document: await attempt(`at ${openapi}`, () => fromUrl(openapi, context.http, context.maxDocumentSize)), source: openapi }
    }
    return { document: await attempt(`in file ${openapi}`, () => readDocumentFile(openapi, context.maxDocumentSize)), source: openapi }
  }
  if (app !== undefined && typeof app.swagger === 'function') {
    const swagger = app.swagger.bind(app)
    return { document: await attempt('from app.swagger()', () => swagger()), source: 'app.swagger()' }
  }
  return discover(context)
}
