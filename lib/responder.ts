import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { AllowResolver, AllowSet } from './allow'
import { FST_ALLOWED_METHODS_METHOD_NOT_ALLOWED, FST_ALLOWED_METHODS_NOT_IMPLEMENTED } from './errors'
import type { ResolvedOptions } from './options'
import { FASTIFY_METHODS } from './methods'
import { buildProblem, instanceOf, notAllowedJson } from './problem'

const PROBLEM_JSON = 'application/problem+json'

/** The hook lists of a fastify route context that this module reads (see hasLaterHooks()). */
interface HookLists { preParsing: unknown[] | null, preValidation: unknown[] | null, preHandler: unknown[] | null }

/** The name of the plugin's late hook, to tell it from the app's in a context's hook list (fastify binds them: `bound <name>`). */
const LATE_HOOK = 'fastifyAllowedMethodsLateAnswer'

function isLateHook (hook: unknown): boolean {
  const name = (hook as { name: string }).name
  return name === LATE_HOOK || name === 'bound ' + LATE_HOOK
}

/**
 * The hooks that tell 405 from 404, answer OPTIONS and 501. A 405 is a 404 that says more, so it
 * passes exactly the hooks fastify runs for that 404: on a 404 path without preParsing,
 * preValidation or preHandler hooks, the answer is sent from the last onRequest hook, before any
 * body byte is read (an invalid, oversized or unfinished body never delays or changes it);
 * otherwise from the last preHandler hook, where the 404 handler would run, after the app's own
 * hooks (an auth hook's 401, a rate limiter's 429 win), with the body treated as fastify treats
 * it on the way to that 404.
 */
export class Responder {
  /** Set when another plugin's hidden `OPTIONS` catch-all (@fastify/cors) is routed. */
  optionsCatchAll: Set<string> | null = null
  /** Filled at onReady (fastify is ready before it serves any request, inject included). */
  private supported = new Set<string>()
  /** Requests whose answer waits for the late hook (later hooks exist on their path). */
  private readonly deferred = new WeakSet<FastifyRequest>()
  /** fastify's symbol for a request's route context, found on the first request that needs it. */
  private contextKey: symbol | null | undefined = undefined

  constructor (private readonly options: ResolvedOptions, private readonly resolver: AllowResolver, private readonly supportedMethods: () => string[]) {}

  /** Called at onReady: the method set is final. */
  prepare (): void {
    this.supported = new Set(this.supportedMethods())
  }

  /**
   * Whether the request's route context (a notFound context, or cors' catch-all route) has hooks
   * after onRequest besides this plugin's own late hook. fastify has no public getter for a
   * context's hooks; it keeps the context under a symbol described 'fastify.context'. Unreadable
   * (another fastify), the answer is "yes": late answers keep hook parity in every case.
   *
   * On the 404 path of every request with a wrong method or an unknown URL: change with care. A
   * context whose only later hook is the plugin's own loses it here, the first time: its requests
   * are answered early, and fastify then skips its preHandler runner on every 404 of that context
   * (`reply.callNotFound()` needs nothing of that hook either).
   */
  private hasLaterHooks (request: FastifyRequest): boolean {
    if (this.contextKey === undefined) {
      this.contextKey = Object.getOwnPropertySymbols(request).find(s => s.description === 'fastify.context') ?? null
    }
    const context = this.contextKey === null ? undefined : (request as unknown as Record<symbol, HookLists | undefined>)[this.contextKey]
    if (context === undefined || context === null) return true
    if (context.preParsing !== null || context.preValidation !== null) return true
    const preHandler = context.preHandler
    if (preHandler === null) return false
    for (const hook of preHandler) if (!isLateHook(hook)) return true
    context.preHandler = null
    return false
  }

  /** The first step on the 404 path: answer now, or note the request for the late hook. */
  private early (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction, catchAll: boolean): void {
    if (!this.options.answerEarly && this.hasLaterHooks(request)) {
      this.deferred.add(request)
      done()
      return
    }
    if (catchAll) this.onCatchAllOptions(request, reply)
    else this.onNotFound(request, reply, done)
  }

  /** The onRequest hook of fastify's notFound contexts (the default scope, see lib/not-found-hook.ts). */
  readonly onNotFoundRequest = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    this.early(request, reply, done, false)
  }

  /** The route-level onRequest hook of another plugin's hidden `OPTIONS` catch-all (@fastify/cors). */
  readonly onCatchAllRequest = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (!this.isPlainCatchAllOptions(request)) {
      done()
      return
    }
    this.early(request, reply, done, true)
  }

  /**
   * The last preHandler hook of the notFound contexts and of cors' catch-all: answers the requests
   * the early hook deferred. Any other request passes: `reply.callNotFound()` from a matched route
   * runs the notFound context's preHandler hooks too, and stays a 404.
   */
  readonly onPreHandler = Object.defineProperty((request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (!this.deferred.has(request)) {
      done()
      return
    }
    this.deferred.delete(request)
    if (request.is404) this.onNotFound(request, reply, done)
    else this.onCatchAllOptions(request, reply)
  }, 'name', { value: LATE_HOOK })

  /**
   * The root onRequest hook of the 'everyRequest' scope (the app set its own root notFound
   * handler before the plugin): the hot path of every matched request there, one property read,
   * change with care.
   */
  readonly onRequest = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (request.is404 === false) {
      if (this.optionsCatchAll === null || request.raw.method !== 'OPTIONS') {
        done()
        return
      }
      this.onCatchAllRequest(request, reply, done)
      return
    }
    this.early(request, reply, done, false)
  }

  /** Whether the plugin is to answer this OPTIONS routed to cors' catch-all (not a CORS preflight). */
  private isPlainCatchAllOptions (request: FastifyRequest): boolean {
    const headers = request.headers
    return this.optionsCatchAll !== null && this.optionsCatchAll.has(request.routeOptions.url as string) &&
      !(headers.origin !== undefined && headers['access-control-request-method'] !== undefined)
  }

  /**
   * 501 for a method fastify does not support, or one added with `addHttpMethod()` that no route
   * visible to this caller has.
   */
  private implemented (method: string, request: FastifyRequest): boolean {
    return this.supported.has(method) && (FASTIFY_METHODS.has(method) || this.resolver.implements(method, request))
  }

  private onNotFound (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const method = request.raw.method as string
    const url = request.raw.url as string
    if (this.options.notImplemented && !this.implemented(method, request)) {
      this.sendNotImplemented(reply, method, url)
      return
    }
    if (method === 'OPTIONS' && url === '*') {
      if (this.options.autoOptions) {
        this.sendOptions(reply, this.resolver.serverWide(request).join(', '))
        return
      }
      done()
      return
    }
    const allow = this.resolver.resolve(url, this.resolver.derive(request.headers, request.raw), method, request)
    if (allow === null || allow.methods.length === 0) {
      done() // a URL no method serves for this caller (or one fastify rejects): the app's own answer
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
  private onCatchAllOptions (request: FastifyRequest, reply: FastifyReply): void {
    const url = request.raw.url as string
    if (url === '*') {
      if (this.options.autoOptions) this.sendOptions(reply, this.resolver.serverWide(request).join(', '))
      else reply.callNotFound()
      return
    }
    const allow = this.resolver.resolve(url, this.resolver.derive(request.headers, request.raw), undefined, request)
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
