import { channel } from 'node:diagnostics_channel'
import type { FastifyReply, FastifyRequest } from 'fastify'

/** The `node:diagnostics_channel` channel every 405, 501 and automatic OPTIONS answer is published on. */
export const ANSWER_CHANNEL = 'fastify-allowed-methods.answer' as const

/** What a subscriber of ANSWER_CHANNEL receives, before the answer is sent. */
export interface AllowedMethodsAnswerMessage {
  request: FastifyRequest
  reply: FastifyReply
  /** 405, 501, or 204 (an automatic OPTIONS answer). */
  status: 405 | 501 | 204
  /** The request method. */
  method: string
  /** The methods of the `Allow` header; `[]` for a 501. */
  allow: string[]
  /**
   * The route patterns that matched the URL (for a 501: those matching it with any method), in
   * Allow order: bounded by the app's routes, never the raw URL. `[]` for `OPTIONS *`.
   */
  patterns: string[]
}

/**
 * The channel object. Publishing costs nothing while nobody subscribes: the responder tests
 * `hasSubscribers` (a property read) before building a message.
 */
export const answerChannel = channel(ANSWER_CHANNEL)
