import type { FastifyInstance } from 'fastify'
import { FST_ALLOWED_METHODS_CONTRACT_INVALID } from '../errors'
import type { MethodTable } from '../method-table'
import { compareContract, reportDifferences } from './contract'
import { normaliseDocument } from './document'
import type { ApiDocument } from './document'

/**
 * @fastify/swagger's static mode serves a document the user wrote: it is the API's contract, and
 * it is never rewritten. At `ready()` it is compared with the routes exactly as the `contract`
 * option compares its document (a documented method no route serves, a served method the document
 * lacks): each difference is a warning, or, with `strict`, the error `ready()` rejects with.
 */
export function checkStaticDocument (fastify: FastifyInstance, table: MethodTable, doc: unknown, where: string, strict: boolean, autoOptions: boolean): Error | undefined {
  let document: ApiDocument
  try {
    document = normaliseDocument(doc)
  } catch (err) {
    const reason = `of ${where} ${(err as Error).message}`
    if (strict) return new FST_ALLOWED_METHODS_CONTRACT_INVALID(reason + '; fix the document given to @fastify/swagger')
    fastify.log.warn(`fastify-allowed-methods: cannot compare the routes with the document ${reason}`)
    return undefined
  }
  return reportDifferences(fastify, compareContract(document, table, autoOptions), strict,
    `Update the document of ${where} or the routes (without openapiStrict: true these are warnings).`, where)
}
