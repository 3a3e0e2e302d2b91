import type { FastifyInstance, onRequestHookHandler, preHandlerHookHandler } from 'fastify'

/**
 * The plugin's two hooks on the 404 path: `early`, the last onRequest hook, answers there when no
 * later hook (preParsing, preValidation, preHandler) exists on that path; otherwise `late`, the
 * last preHandler hook, answers where the 404 handler would run (null with `answerEarly`).
 */
export interface NotFoundHooks {
  early: onRequestHookHandler
  late: preHandlerHookHandler | null
}

type SetNotFoundHandler = (this: FastifyInstance, opts?: unknown, handler?: unknown) => FastifyInstance

function asList (value: unknown): unknown[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]
}

/** `early` appended to the onRequest hooks of a notFound handler's or a route's options (a copy). */
export function withEarly (opts: unknown, early: unknown): Record<string, unknown> & { onRequest: unknown[] } {
  return { ...(opts as Record<string, unknown> | undefined), onRequest: [...asList((opts as { onRequest?: unknown } | undefined)?.onRequest), early] }
}

/**
 * `late` appended to the preHandler hooks of options already handed to fastify: fastify reads
 * them from that very object when it builds the context (at ready). Appended after the call, so
 * that a wrapper of setNotFoundHandler (@fastify/otel instruments every preHandler it is given)
 * does not wrap it: no span of the plugin's on every 404.
 */
export function appendLate (opts: Record<string, unknown>, late: unknown): void {
  opts.preHandler = [...asList(opts.preHandler), late]
}

/** The root instance is a plain object; every encapsulated one is created from its parent. */
export function isRoot (fastify: FastifyInstance): boolean {
  return Object.getPrototypeOf(fastify) === Object.prototype
}

/** fastify's own refusal: "Not found handler already set for Fastify instance with prefix: '/'". */
function alreadySet (err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('Not found handler already set')
}

/**
 * fastify's own `setNotFoundHandler`, when another plugin replaced it with a wrapper that refuses
 * a call without a handler (@fastify/otel keeps the original under a symbol of its own).
 */
function nativeSetNotFoundHandler (fastify: FastifyInstance, current: SetNotFoundHandler): SetNotFoundHandler | null {
  for (const key of Object.getOwnPropertySymbols(fastify)) {
    const value = (fastify as unknown as Record<symbol, unknown>)[key]
    if (typeof value === 'function' && value !== current && value.name === 'setNotFoundHandler') return value as SetNotFoundHandler
  }
  return null
}

/**
 * Puts `hooks` into every notFound context. fastify gives a notFound context the hooks of the
 * instance that set it, then those of the `opts` passed to `setNotFoundHandler(opts, handler)`:
 * so the plugin calls `setNotFoundHandler({ onRequest, preHandler })` without a handler at the
 * root (fastify's default 404 handler stays, and the root slot stays free for the app), and adds
 * its hooks to the options of every later `setNotFoundHandler()` call, at the root or under a
 * prefix. Each of its hooks then runs after the app's own hooks of the same name, exactly where a
 * 404 would be decided. When fastify says the root notFound handler is set already, the root
 * context is reached at ready instead ('rootContext'); 'everyRequest' only when no
 * setNotFoundHandler of fastify accepts the hooks.
 */
/**
 * Where the plugin's hooks run:
 * - `'notFound'`: only in fastify's notFound contexts, so a matched route runs no code of this
 *   plugin at all (not even fastify's hook runner). The default.
 * - `'rootContext'`: the app set its own root notFound handler before the plugin, so fastify
 *   refuses the plugin's `setNotFoundHandler()` at the root: its hooks are appended to that
 *   handler's context at ready (attachHooks()); other notFound contexts as in 'notFound'.
 * - `'everyRequest'`: root hooks that return at once on matched routes: only where neither can be had.
 *
 * `context`: the root notFound context, for 'rootContext'; `reason`: for the warning.
 */
export type Placement =
  | { scope: 'notFound' }
  | { scope: 'rootContext', reason: string, context: ContextHooks }
  | { scope: 'everyRequest', reason: string }

const ROOT_HANDLER_FIRST = 'the app set its root notFound handler before registering the plugin'

export function installHooks (fastify: FastifyInstance, hooks: NotFoundHooks): Placement {
  // `fastify` is the root instance (plugin.ts checks it)
  const current = fastify.setNotFoundHandler as unknown as SetNotFoundHandler
  const install = (set: SetNotFoundHandler): void => {
    const opts = withEarly(undefined, hooks.early)
    set.call(fastify, opts)
    if (hooks.late !== null) appendLate(opts, hooks.late)
  }
  let context: ContextHooks | null = null
  try {
    install(current)
  } catch (err) {
    const native = alreadySet(err) ? null : nativeSetNotFoundHandler(fastify, current)
    try {
      if (native === null) throw err
      install(native)
    } catch (nativeErr) {
      if (!alreadySet(nativeErr)) {
        return { scope: 'everyRequest', reason: `setNotFoundHandler() refused the plugin's hooks (${(nativeErr as Error).message})` }
      }
      context = rootContextOf(fastify)
      if (context === null) return { scope: 'everyRequest', reason: ROOT_HANDLER_FIRST }
    }
  }
  fastify.setNotFoundHandler = function setNotFoundHandlerWithAllowedMethods (this: FastifyInstance, opts?: unknown, handler?: unknown) {
    const options = withEarly(typeof opts === 'function' ? undefined : opts, hooks.early)
    const result = current.call(this, options, typeof opts === 'function' ? opts : handler)
    if (hooks.late !== null) appendLate(options, hooks.late)
    return result
  } as unknown as FastifyInstance['setNotFoundHandler']
  return context === null ? { scope: 'notFound' } : { scope: 'rootContext', reason: ROOT_HANDLER_FIRST, context }
}

/** The hook lists of a fastify notFound context (see rootContextOf()). */
export interface ContextHooks { onRequest: unknown[] | null, preHandler: unknown[] | null }

/**
 * For 'rootContext': the root notFound context, whose hook lists fastify builds before onReady
 * (from the app's own `setNotFoundHandler` call, which the plugin never saw) and reads on every
 * 404. fastify keeps it under a symbol described 'fastify.404ContextKey' and has no public way to
 * add a hook to it. Null when it cannot be found.
 */
export function rootContextOf (fastify: FastifyInstance): ContextHooks | null {
  const key = Object.getOwnPropertySymbols(fastify).find(s => s.description === 'fastify.404ContextKey')
  const context = key === undefined ? undefined : (fastify as unknown as Record<symbol, ContextHooks | null>)[key]
  if (context === undefined || context === null || !('onRequest' in context) || !('preHandler' in context)) return null
  return context
}

/** Appends the hooks to a notFound context, once fastify has built its hook lists (at onReady). */
export function attachHooks (context: ContextHooks, hooks: NotFoundHooks): void {
  context.onRequest = [...(context.onRequest ?? []), hooks.early]
  if (hooks.late !== null) context.preHandler = [...(context.preHandler ?? []), hooks.late]
}
