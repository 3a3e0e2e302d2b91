import type { FastifyInstance, FastifyPluginCallback } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'
import fp from 'fastify-plugin'
import type { ContractOptions as Contract, FastifyAllowedMethodsOptions as Options, ProblemStatus as Status } from './options'
import { allowedMethodsPlugin } from './plugin'
import type { AllowedMethodsProblem as Problem } from './problem'
import { ANSWER_CHANNEL as CHANNEL } from './observe'
import type { AllowedMethodsAnswerMessage as AnswerMessage } from './observe'
import { allowedMethodsCors as corsOptions } from './cors'
import type { AllowedMethodsCorsDelegator as CorsDelegator, AllowedMethodsCorsOptions as CorsOptions } from './cors'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The methods the `Allow` header would carry for `url` (a concrete request path, query string
     * allowed), in Allow order; `[]` when no route serves it. `headers` supply constraint values
     * (`host`, `accept-version`, custom strategies). `request`: the caller, for routes whose
     * `config.allow.hide` is a function (without it they count as visible).
     */
    allowedMethods(url: string, headers?: IncomingHttpHeaders, request?: import('fastify').FastifyRequest): string[]
    /** Every route pattern seen by the plugin's onRoute hook, with its methods (hidden routes left out). */
    methodTable(): Record<string, string[]>
  }
  interface FastifyContextConfig {
    /** fastify-allowed-methods route options. */
    allow?: {
      /**
       * `true`: keep this route's methods out of Allow, OPTIONS answers, `methodTable()` and the
       * OpenAPI document. A function: evaluated per request, after the app's hooks on the 404 path
       * ran (so `request.user` of an auth hook is visible); `true` hides the route from that
       * caller's Allow, OPTIONS and `OPTIONS *`. `methodTable()` and the OpenAPI export count such
       * routes as visible.
       * @default false
       */
      hide?: boolean | ((request: import('fastify').FastifyRequest) => boolean)
    }
  }
}

/**
 * fastify-allowed-methods: 405 Method Not Allowed with an exact Allow header, automatic OPTIONS,
 * 501 Not Implemented, RFC 9457 problem+json bodies, and the method table in the OpenAPI document.
 */
function fastifyAllowedMethods (fastify: FastifyInstance, opts: Options, done: (err?: Error) => void): void {
  allowedMethodsPlugin(fastify, opts, done)
}
fp(fastifyAllowedMethods, { fastify: '5.x', name: 'fastify-allowed-methods' })

// `export =` so that require(), `import x from` in ESM, and TypeScript in every module mode all
// get the plugin function itself; `.default` and `.fastifyAllowedMethods` name the same function
// (the fastify plugin convention).
declare namespace fastifyAllowedMethods {
  /** Options of fastify-allowed-methods. */
  export type FastifyAllowedMethodsOptions = Options
  /** The OpenAPI contract checked at ready(). */
  export type ContractOptions = Contract
  /** Status codes answered with a problem document. */
  export type ProblemStatus = Status
  /** The RFC 9457 problem document of a 405 or 501. */
  export type AllowedMethodsProblem = Problem
  /** What a subscriber of the `fastify-allowed-methods.answer` diagnostics channel receives. */
  export type AllowedMethodsAnswerMessage = AnswerMessage
  /**
   * `'fastify-allowed-methods.answer'`: the `node:diagnostics_channel` channel on which every 405,
   * 501 and automatic OPTIONS answer is published, before it is sent.
   */
  export const ANSWER_CHANNEL: 'fastify-allowed-methods.answer'
  /**
   * Options for `fastify.register(cors, allowedMethodsCors({ origin: ... }))` (@fastify/cors 11):
   * the given cors options plus a `delegator` that answers each preflight's
   * Access-Control-Allow-Methods with the Allow of the resource it asks about (without OPTIONS
   * unless a route serves it), so that a browser stops at the preflight of a method the resource
   * does not support. Every option but `delegator` is cors' own, passed through.
   */
  export const allowedMethodsCors: typeof corsOptions
  /** The @fastify/cors options allowedMethodsCors() returns. */
  export type AllowedMethodsCorsOptions<T extends object> = CorsOptions<T>
  /** The callback-style @fastify/cors delegator allowedMethodsCors() returns. */
  export type AllowedMethodsCorsDelegator<T extends object> = CorsDelegator<T>
  /** The plugin type. */
  export type FastifyAllowedMethods = FastifyPluginCallback<Options>
  export const fastifyAllowedMethods: FastifyAllowedMethods
  export { fastifyAllowedMethods as default }
}
Object.assign(fastifyAllowedMethods, { default: fastifyAllowedMethods, fastifyAllowedMethods, ANSWER_CHANNEL: CHANNEL, allowedMethodsCors: corsOptions })
// Spelled out for Node's CommonJS named-export detection, so that
// `import { fastifyAllowedMethods } from 'fastify-allowed-methods'` works in ESM too.
exports.fastifyAllowedMethods = fastifyAllowedMethods
exports.ANSWER_CHANNEL = CHANNEL
exports.allowedMethodsCors = corsOptions

export = fastifyAllowedMethods
