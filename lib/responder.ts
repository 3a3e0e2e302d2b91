import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { MAX_RECENT_PATH_LENGTH } from './allow'
import type { AllowResolver, AllowSet } from './allow'
import { AnswerCache } from './answer-cache'
import { FST_ALLOWED_METHODS_METHOD_NOT_ALLOWED, FST_ALLOWED_METHODS_NOT_IMPLEMENTED } from './errors'
import type { ResolvedOptions } from './options'
import { FASTIFY_METHODS } from './methods'
import { answerChannel } from './observe'
import type { OptionsExtras } from './options-extras'
import { instanceOf, notAllowedJson, notImplementedJson } from './problem'

const PROBLEM_JSON = 'application/problem+json'

/**
 * The reply serializer of the problem documents, already JSON strings: with a serializer set,
 * fastify sends a string as it is, without appending a charset parameter that
 * application/problem+json does not define, and without the Buffer copy and the Buffer branch of
 * `reply.send` (fastify's own 404 body is a string too).
 */
function asIs (payload: string): string {
  return payload
}

/**
 * Creates an error without capturing a stack trace: V8 walking the frames of fastify's hook
 * runners costs more than everything else of the answer, and the trace would only ever show this
 * module. The error's `stack` is then its first line (see stackFromMessage() in errors.ts). Where
 * `Error.stackTraceLimit` cannot be written (a frozen realm), the error keeps its trace.
 */
function withoutStack<T extends Error> (create: () => T): T {
  const limit = Error.stackTraceLimit
  try {
    Error.stackTraceLimit = 0
  } catch {
    return create()
  }
  try {
    // @fastify/error captures no stack at all when the limit is 0
    return create()
  } finally {
    Error.stackTraceLimit = limit
  }
}

/** The hook lists of a fastify route context that this module reads (see hasLaterHooks()). */
interface HookLists { preParsing: unknown[] | null, preValidation: unknown[] | null, preHandler: unknown[] | null }

/** The name of the plugin's late hook, to tell it from the app's in a context's hook list (fastify binds them: `bound <name>`). */
const LATE_HOOK = 'fastifyAllowedMethodsLateAnswer'

const BOUND_LATE_HOOK = 'bound ' + LATE_HOOK

function isLateHook (hook: unknown): boolean {
  const name = (hook as { name: string }).name
  return name === LATE_HOOK || name === BOUND_LATE_HOOK
}

export class Responder {
  /** Set when another plugin's hidden `OPTIONS` catch-all (@fastify/cors) is routed. */
  optionsCatchAll: Set<string> | null = null
  /** Filled at onReady (fastify is ready before it serves any request, inject included). */
  private supported = new Set<string>()
  /** Requests whose answer waits for the late hook (later hooks exist on their path). */
  private readonly deferred = new WeakSet<FastifyRequest>()
  /** fastify's symbol for a request's route context, found on the first request that needs it. */
  private contextKey: symbol | null | undefined = undefined
  /** The route context hasLaterHooks() last read, and its answer (most apps have one notFound context). */
  private lastContext: HookLists | null = null
  private lastHasLaterHooks = true
  /** The 405s and 501s of recent paths, body included (caller-independent answers only). */
  private readonly answers = new AnswerCache()
  private readonly notImplementedAnswers = new AnswerCache()

  constructor (
    private readonly options: ResolvedOptions,
    private readonly resolver: AllowResolver,
    private readonly supportedMethods: () => string[],
    private readonly extras: OptionsExtras
  ) {}

  /** Called at onReady: the method set is final. */
  prepare (): void {
    this.supported = new Set(this.supportedMethods())
    this.answers.clear()
    this.notImplementedAnswers.clear()
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
    // a context's hooks are final once the app is ready: the answer for the last context holds
    if (context === this.lastContext) return this.lastHasLaterHooks
    this.lastContext = context
    this.lastHasLaterHooks = this.contextHasLaterHooks(context)
    return this.lastHasLaterHooks
  }

  private contextHasLaterHooks (context: HookLists): boolean {
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
        this.sendServerWideOptions(reply)
        return
      }
      done()
      return
    }
    const derived = this.resolver.derive(request.headers, request.raw)
    const path = instanceOf(url)
    if (derived === undefined) {
      // a client repeating a wrong method: the same answer as last time, if it holds for every caller
      const cached = this.answers.get(path, method, this.options.problemType(405))
      if (cached !== undefined) {
        const allow = cached.allow as AllowSet
        reply.code(405).header('allow', allow.header)
        if (answerChannel.hasSubscribers) this.publish(reply, 405, allow.methods, cached.patterns ??= this.patternsOf(reply, path, allow.methods))
        if (cached.body === null) this.sendNotAllowedError(reply, method, path, allow)
        else this.sendProblem(reply, cached.body)
        return
      }
    }
    const allow = this.resolver.resolve(path, derived, method, request)
    if (allow === null || allow.methods.length === 0) {
      done() // a URL no method serves for this caller (or one fastify rejects): the app's own answer
      return
    }
    if (method === 'OPTIONS' && this.options.autoOptions) {
      this.sendOptions(reply, path, allow)
      return
    }
    this.sendNotAllowed(reply, method, path, allow)
  }

  /**
   * OPTIONS routed to @fastify/cors' hidden `OPTIONS *`: CORS preflights stay cors' business; a
   * plain OPTIONS gets what it would get without cors (204 + Allow, 405, or the app's 404).
   */
  private onCatchAllOptions (request: FastifyRequest, reply: FastifyReply): void {
    const url = request.raw.url as string
    if (url === '*') {
      if (this.options.autoOptions) this.sendServerWideOptions(reply)
      else reply.callNotFound()
      return
    }
    const path = instanceOf(url)
    const allow = this.resolver.resolve(path, this.resolver.derive(request.headers, request.raw), undefined, request)
    if (allow === null || allow.methods.length === 0) {
      // null: a param too long for every route that would match; without cors fastify's OPTIONS
      // lookup finds nothing there either, so this is the same 404
      reply.callNotFound()
    } else if (this.options.autoOptions) {
      this.sendOptions(reply, path, allow)
    } else {
      this.sendNotAllowed(reply, 'OPTIONS', path, allow)
    }
  }

  /**
   * Publishes an answer on the answer channel (lib/observe.ts), before it is sent; call only when
   * `answerChannel.hasSubscribers`. The subscriber gets its own arrays.
   */
  private publish (reply: FastifyReply, status: 405 | 501 | 204, allow: readonly string[], patterns: readonly string[]): void {
    const request = reply.request
    answerChannel.publish({ request, reply, status, method: request.raw.method as string, allow: [...allow], patterns: [...patterns] })
  }

  /** The patterns of the routes of `methods` at `path`, for this request's constraints (for a 501, every method that routes there). */
  private patternsOf (reply: FastifyReply, path: string, methods: readonly string[]): string[] {
    if (methods.length === 0) return []
    const request = reply.request
    return this.resolver.patterns(path, this.resolver.derive(request.headers, request.raw), methods)
  }

  private sendOptions (reply: FastifyReply, path: string, allow: AllowSet): void {
    reply.code(204).header('allow', allow.header)
    this.extras.apply(reply, path, allow.methods)
    if (answerChannel.hasSubscribers) this.publish(reply, 204, allow.methods, this.patternsOf(reply, path, allow.methods))
    reply.send()
  }

  /** `OPTIONS *`: every method the server implements for this caller. */
  private sendServerWideOptions (reply: FastifyReply): void {
    const methods = this.resolver.serverWide(reply.request)
    reply.code(204).header('allow', methods.join(', '))
    this.extras.apply(reply, null, methods)
    if (answerChannel.hasSubscribers) this.publish(reply, 204, methods, [])
    reply.send()
  }

  /**
   * A 405 for `path` (the request path without its query: the problem's `instance`). The answer
   * is remembered for the path when the resolver says it holds for every caller.
   */
  private sendNotAllowed (reply: FastifyReply, method: string, path: string, allow: AllowSet): void {
    reply.code(405).header('allow', allow.header)
    // read before anything else can ask the resolver: whether this answer holds for every caller
    const remembered = this.resolver.remembered
    let patterns: string[] | null = null
    if (answerChannel.hasSubscribers) {
      patterns = this.patternsOf(reply, path, allow.methods)
      this.publish(reply, 405, allow.methods, patterns)
    }
    const type = this.options.problemType(405)
    if (this.options.useErrorHandler) {
      // remembered for its Allow: the error itself is new each time (the app's handler may change it)
      if (remembered) this.answers.set(path, { method, type, allow, body: null, patterns })
      this.sendNotAllowedError(reply, method, path, allow)
      return
    }
    const body = notAllowedJson(type, method, path, allow.header, allow.json)
    if (remembered) this.answers.set(path, { method, type, allow, body, patterns })
    this.sendProblem(reply, body)
  }

  /** `useErrorHandler`: the 405 goes to the app's error handler as FST_ALLOWED_METHODS_METHOD_NOT_ALLOWED. */
  private sendNotAllowedError (reply: FastifyReply, method: string, path: string, allow: AllowSet): void {
    const err = withoutStack(() => new FST_ALLOWED_METHODS_METHOD_NOT_ALLOWED(method, path)) as InstanceType<typeof FST_ALLOWED_METHODS_METHOD_NOT_ALLOWED> & { allow: string[], headers: Record<string, string> }
    err.allow = [...allow.methods]
    err.headers = { allow: allow.header }
    reply.send(err)
  }

  private sendNotImplemented (reply: FastifyReply, method: string, url: string): void {
    reply.code(501)
    if (answerChannel.hasSubscribers) {
      const request = reply.request
      const path = instanceOf(url)
      const routed = this.resolver.resolve(path, this.resolver.derive(request.headers, request.raw), undefined, request)
      this.publish(reply, 501, [], this.patternsOf(reply, path, routed === null ? [] : routed.methods))
    }
    if (this.options.useErrorHandler) {
      reply.send(withoutStack(() => new FST_ALLOWED_METHODS_NOT_IMPLEMENTED(method)))
      return
    }
    const path = instanceOf(url)
    const type = this.options.problemType(501)
    // a method fastify does not support is not implemented for any caller; an added method that
    // only hidden routes have may be implemented for another caller: not remembered
    const remember = !this.supported.has(method) && path.length <= MAX_RECENT_PATH_LENGTH
    const cached = remember ? this.notImplementedAnswers.get(path, method, type) : undefined
    if (cached !== undefined) {
      this.sendProblem(reply, cached.body as string)
      return
    }
    const body = notImplementedJson(type, method, path)
    if (remember) this.notImplementedAnswers.set(path, { method, type, allow: null, body, patterns: null })
    this.sendProblem(reply, body)
  }

  /** Sends a problem document (a JSON string) as application/problem+json, exactly these bytes. */
  private sendProblem (reply: FastifyReply, body: string): void {
    reply.type(PROBLEM_JSON).serializer(asIs).send(body)
  }
}
