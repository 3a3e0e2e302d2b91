import createError from '@fastify/error'

/**
 * Errors of the audit (`fastify-allowed-methods/audit` and the CLI). The CLI turns each into exit
 * code 2 with its message as the one-line reason.
 */

/** `audit()` was called with options it cannot use. */
export const FST_ALLOWED_METHODS_AUDIT_OPTION = createError(
  'FST_ALLOWED_METHODS_AUDIT_OPTION',
  'fastify-allowed-methods audit: %s',
  500,
  TypeError
)

/** The OpenAPI document could not be found, read or understood. */
export const FST_ALLOWED_METHODS_AUDIT_DOCUMENT = createError(
  'FST_ALLOWED_METHODS_AUDIT_DOCUMENT',
  'fastify-allowed-methods audit: %s',
  500
)

/** The server could not be reached at all. */
export const FST_ALLOWED_METHODS_AUDIT_NETWORK = createError(
  'FST_ALLOWED_METHODS_AUDIT_NETWORK',
  'fastify-allowed-methods audit: cannot reach %s (%s); is the server running and the base URL right?',
  500
)

/**
 * The server was reached but gave no HTTP answer at all: every request timed out, was closed or
 * reset, got bytes that are not HTTP, or failed its TLS handshake. The reason says which.
 */
export const FST_ALLOWED_METHODS_AUDIT_NO_ANSWER = createError(
  'FST_ALLOWED_METHODS_AUDIT_NO_ANSWER',
  'fastify-allowed-methods audit: no HTTP answer from %s: %s',
  500
)
