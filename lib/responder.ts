import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { AllowResolver, AllowSet } from './allow'
import { FST_ALLOWED_METHODS_METHOD_NOT_ALLOWED, FST_ALLOWED_METHODS_NOT_IMPLEMENTED } from './errors'
import type { ResolvedOptions } from './options'
import { buildProblem, instanceOf, notAllowedJson } from './problem'

const PROBLEM_JSON = 'application/problem+json'

/**
 * The onRequest hook that tells 405 from 404, answers OPTIONS and 501. It runs at the root, before
 * any body is read: fastify parses bodies only after onRequest and preParsing, so an invalid,
 * oversized or unfinished body never delays or changes these answers.
 */
export class Responder {
  /** Set when another plugin's hidden `OPTIONS` catch-all (@fastify/cors) is routed. */
  optionsCatchAll: Set<string> | null = null
  /** Filled at onReady (fastify is ready before it serves any request, inject included). */
  private supported = new Set<string>()

  constructor (private readonly options: ResolvedOptions, private readonly resolver: AllowResolver, private readonly supportedMethods: () => string[]) {}

  /** Called at onReady: the method set is final. */
  prepare (): void {
    this.supported = new Set(this.supportedMethods())
  }

  /** The hook of fastify's notFound contexts (the default scope, see lib/not-found-hook.ts). */
  readonly onNotFoundRequest = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    this.onNotFound(request, reply, done)
  }

  /** The route-level hook of another plugin's hidden `OPTIONS` catch-all (@fastify/cors). */
  readonly onCatchAllRequest = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    this.onCatchAllOptions(request, reply, done)
  }

  /**
   * The root hook of the 'everyRequest' scope (the plugin registered after the app's own root
   * notFound handler, or after @fastify/cors): the hot path of every matched request there, one
   * property read, change with care.
   */
  readonly onRequest = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (request.is404 === false) {
      if (this.optionsCatchAll === null || request.raw.method !== 'OPTIONS') {
        done()
        return
      }
      this.onCatchAllOptions(request, reply, done)
      return
    }
    this.onNotFound(request, reply, done)
  }

  private onNotFound (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const method = request.raw.method as string
    const url = request.raw.url as string
    if (!this.supported.has(method) && this.options.notImplemented) {
      this.sendNotImplemented(reply, method, url)
      return
    }
    if (method === 'OPTIONS' && url === '*') {
      if (this.options.autoOptions) {
        this.sendOptions(reply, this.resolver.serverWide().join(', '))
        return
      }
      done()
      return
    }
    const allow = this.resolver.resolve(url, this.resolver.derive(request.headers, request.raw), method)
    if (allow === null || allow.methods.length === 0) {
      done() // a URL no method serves (or one fastify rejects): the app's own answer
      return
    }
    if (method === 'OPTIONS' && this.options.autoOptions) {
      this.sendOptions(reply, allow.header)
      return
    }
    this.sendNotAllowed(reply, method, url, allow)
  }

  /**
   * OPTIONS routed to @fastify/cors' hidden `OPTIONS *`: CORS preflights stay cors' business; a
   * plain OPTIONS gets what it would get without cors (204 + Allow, 405, or the app's 404).
   */
  private onCatchAllOptions (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const headers = request.headers
    if (!(this.optionsCatchAll as Set<string>).has(request.routeOptions.url as string) ||
      (headers.origin !== undefined && headers['access-control-request-method'] !== undefined)) {
      done()
      return
    }
    const url = request.raw.url as string
    if (url === '*') {
      if (this.options.autoOptions) this.sendOptions(reply, this.resolver.serverWide().join(', '))
      else reply.callNotFound()
      return
    }
    const allow = this.resolver.resolve(url, this.resolver.derive(headers, request.raw))
    if (allow === null || allow.methods.length === 0) {
      // null: a param too long for every route that would match; without cors fastify's OPTIONS
      // lookup finds nothing there either, so this is the same 404
      reply.callNotFound()
    } else if (this.options.autoOptions) {
      this.sendOptions(reply, allow.header)
    } else {
      this.sendNotAllowed(reply, 'OPTIONS', url, allow)
    }
  }

  private sendOptions (reply: FastifyReply, allow: string): void {
    reply.code(204).header('allow', allow).send()
  }

  private sendNotAllowed (reply: FastifyReply, method: string, url: string, allow: AllowSet): void {
    const instance = instanceOf(url)
    reply.code(405).header('allow', allow.header)
    if (this.options.useErrorHandler) {
      const err = new FST_ALLOWED_METHODS_METHOD_NOT_ALLOWED(method, instance) as InstanceType<typeof FST_ALLOWED_METHODS_METHOD_NOT_ALLOWED> & { allow: string[], headers: Record<string, string> }
      err.allow = [...allow.methods]
      err.headers = { allow: allow.header }
      reply.send(err)
      return
    }
    const body = notAllowedJson(this.options.problemType(405), method, instance, allow.header, allow.json)
    // a Buffer, so that fastify does not append a charset parameter problem+json does not define
    reply.type(PROBLEM_JSON).send(Buffer.from(body))
  }

  private sendNotImplemented (reply: FastifyReply, method: string, url: string): void {
    reply.code(501)
    if (this.options.useErrorHandler) {
      reply.send(new FST_ALLOWED_METHODS_NOT_IMPLEMENTED(method))
      return
    }
    const problem = buildProblem(501, this.options.problemType(501), method, instanceOf(url))
    reply.type(PROBLEM_JSON).send(Buffer.from(JSON.stringify(problem)))
  }
}
