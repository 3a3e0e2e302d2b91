import type { FastifyInstance, onRequestHookHandler, preHandlerHookHandler } from 'fastify'

/**
 * Where the plugin's hooks run:
 * - `'notFound'`: only in fastify's notFound contexts, so a matched route runs no code of this
 *   plugin at all (not even fastify's hook runner). The default.
 * - `'everyRequest'`: root hooks that return at once on matched routes. Used only when fastify
 *   itself refuses the first: the app set its own root notFound handler before the plugin.
 */
export type HookScope = 'notFound' | 'everyRequest'

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

/** `hooks` appended to the onRequest and preHandler hooks of a notFound handler's or a route's options. */
export function withHooks (opts: unknown, hooks: NotFoundHooks): Record<string, unknown> & { onRequest: unknown[], preHandler?: unknown[] } {
  const copy: Record<string, unknown> & { onRequest: unknown[], preHandler?: unknown[] } = {
    ...(opts as Record<string, unknown> | undefined),
    onRequest: [...asList((opts as { onRequest?: unknown } | undefined)?.onRequest), hooks.early]
  }
  if (hooks.late !== null) copy.preHandler = [...asList((opts as { preHandler?: unknown } | undefined)?.preHandler), hooks.late]
  return copy
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
 * 404 would be decided. Returns 'everyRequest' (and the caller adds root hooks) only where fastify
 * says the root notFound handler is set already, or no setNotFoundHandler of fastify can be found.
 */
export function installHooks (fastify: FastifyInstance, hooks: NotFoundHooks): { scope: HookScope, reason?: string } {
  // `fastify` is the root instance (plugin.ts checks it)
  const current = fastify.setNotFoundHandler as unknown as SetNotFoundHandler
  let reason: string | undefined
  try {
    current.call(fastify, withHooks(undefined, hooks))
  } catch (err) {
    if (alreadySet(err)) return { scope: 'everyRequest', reason: 'the app set its root notFound handler before registering the plugin' }
    const native = nativeSetNotFoundHandler(fastify, current)
    try {
      if (native === null) throw err
      native.call(fastify, withHooks(undefined, hooks))
    } catch (nativeErr) {
      reason = alreadySet(nativeErr)
        ? 'the app set its root notFound handler before registering the plugin'
        : `setNotFoundHandler() refused the plugin's hooks (${(nativeErr as Error).message})`
      return { scope: 'everyRequest', reason }
    }
  }
  fastify.setNotFoundHandler = function setNotFoundHandlerWithAllowedMethods (this: FastifyInstance, opts?: unknown, handler?: unknown) {
    if (typeof opts === 'function') return current.call(this, withHooks(undefined, hooks), opts)
    return current.call(this, withHooks(opts, hooks), handler)
  } as unknown as FastifyInstance['setNotFoundHandler']
  return { scope: 'notFound' }
}
