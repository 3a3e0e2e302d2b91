import createError from '@fastify/error'

/**
 * Every error a user of fastify-allowed-methods can cause. Codes follow the
 * fastify convention `FST_<AREA>_<WHAT>`; the messages say what to do.
 */

/** A plugin option has the wrong type or value. */
export const FST_ALLOWED_METHODS_INVALID_OPTION = createError(
  'FST_ALLOWED_METHODS_INVALID_OPTION',
  'fastify-allowed-methods: option "%s" %s, got %s',
  500,
  TypeError
)

/** A route's `config.allow` has the wrong shape. */
export const FST_ALLOWED_METHODS_INVALID_ROUTE_CONFIG = createError(
  'FST_ALLOWED_METHODS_INVALID_ROUTE_CONFIG',
  'fastify-allowed-methods: route %s %s: %s, e.g. `{ config: { allow: { hide: true } } }` or ' +
  '`{ config: { allow: { hide: (request) => !request.user } } }`',
  500,
  TypeError
)

/** The plugin was registered inside an encapsulated plugin: the app's 404s would never reach it. */
export const FST_ALLOWED_METHODS_NOT_ROOT = createError(
  'FST_ALLOWED_METHODS_NOT_ROOT',
  'fastify-allowed-methods must be registered on the root instance (the one Fastify() returned), ' +
  'not inside an encapsulated plugin: it answers for the routes of the whole app, and fastify ' +
  'decides 404s at the root. Move `await fastify.register(fastifyAllowedMethods)` next to Fastify() ' +
  '(wrapping it in a fastify-plugin plugin registered at the root is fine)',
  500
)

/** A route uses a constraint strategy that was added with addConstraintStrategy() before the plugin. */
export const FST_ALLOWED_METHODS_UNKNOWN_STRATEGY = createError(
  'FST_ALLOWED_METHODS_UNKNOWN_STRATEGY',
  'fastify-allowed-methods cannot derive the constraint "%s": its strategy was added with ' +
  'fastify.addConstraintStrategy() before the plugin was registered. Register the plugin first, ' +
  'or pass the strategy in `routerOptions.constraints`',
  500
)

/**
 * The errors of `useErrorHandler` are created without a stack trace (responder.ts withoutStack()).
 * Their `stack` is what V8 writes above the frames (`FastifyError: <message>`), from a
 * non-enumerable accessor on their class's prototype (defining an own property on every error cost
 * more than the rest of its creation); assigning `stack` makes it the error's own, as usual. An
 * error created with a trace (by anyone, with a stackTraceLimit above 0) has its own `stack`,
 * which hides the accessor.
 */
function stackFromMessage (ErrorClass: { prototype: Error }): void {
  Object.defineProperty(ErrorClass.prototype, 'stack', {
    get (this: Error): string {
      return `${this.name}: ${this.message}`
    },
    set (this: Error, value: unknown): void {
      Object.defineProperty(this, 'stack', { value, writable: true, configurable: true })
    },
    configurable: true
  })
}

/** Sent to the app's error handler for a 405 when `useErrorHandler` is on. */
export const FST_ALLOWED_METHODS_METHOD_NOT_ALLOWED = createError(
  'FST_ALLOWED_METHODS_METHOD_NOT_ALLOWED',
  'Method %s is not allowed for %s',
  405
)

/** Sent to the app's error handler for a 501 when `useErrorHandler` is on. */
export const FST_ALLOWED_METHODS_NOT_IMPLEMENTED = createError(
  'FST_ALLOWED_METHODS_NOT_IMPLEMENTED',
  'Method %s is not implemented by this server',
  501
)

/** The `contract` document and the routes disagree (strict mode). */
export const FST_ALLOWED_METHODS_CONTRACT_MISMATCH = createError(
  'FST_ALLOWED_METHODS_CONTRACT_MISMATCH',
  'fastify-allowed-methods: the routes do not match the OpenAPI contract:\n%s',
  500
)

/** The `contract` document could not be read or is not an OpenAPI/Swagger document. */
export const FST_ALLOWED_METHODS_CONTRACT_INVALID = createError(
  'FST_ALLOWED_METHODS_CONTRACT_INVALID',
  'fastify-allowed-methods: the contract document %s',
  500
)

/** allowedMethodsCors() answered a preflight in an app where fastify-allowed-methods is not registered. */
export const FST_ALLOWED_METHODS_CORS_WITHOUT_PLUGIN = createError(
  'FST_ALLOWED_METHODS_CORS_WITHOUT_PLUGIN',
  'allowedMethodsCors() needs fastify-allowed-methods: register it on the root instance ' +
  '(`await fastify.register(fastifyAllowedMethods)`, before or after @fastify/cors)',
  500
)

stackFromMessage(FST_ALLOWED_METHODS_METHOD_NOT_ALLOWED)
stackFromMessage(FST_ALLOWED_METHODS_NOT_IMPLEMENTED)
