import { constants } from 'node:buffer'

/**
 * The range of each numeric option of the audit (`audit()` and the CLI): past these values Node
 * cannot do what the option asks, so a larger value is refused rather than quietly broken.
 */

/** The longest delay Node's timers take (2^31 - 1 ms, about 24.8 days); past it a timer fires at once. */
export const MAX_TIMER = 2_147_483_647

/** The longest string Node can hold: a larger document could not be decoded. */
export const MAX_DOCUMENT_SIZE = constants.MAX_STRING_LENGTH

/** The default document size limit. */
export const DOCUMENT_LIMIT = 32 * 1024 * 1024

/** Sockets open at once: the usual soft limit of open files per process. */
export const MAX_CONCURRENCY = 1024

export interface NumericOption {
  /** The flag of the CLI. */
  flag: string
  max: number
  /** Why the maximum, for the message. */
  why: string
}

export const NUMERIC_OPTIONS = {
  concurrency: { flag: 'concurrency', max: MAX_CONCURRENCY, why: 'sockets open at once: the usual limit of open files' },
  timeout: { flag: 'timeout', max: MAX_TIMER, why: 'milliseconds: the longest timer Node has' },
  maxRequests: { flag: 'max-requests', max: Number.MAX_SAFE_INTEGER, why: 'the largest exact integer' },
  deadline: { flag: 'deadline', max: MAX_TIMER, why: 'milliseconds: the longest timer Node has' },
  maxDocumentSize: { flag: 'max-document-size', max: MAX_DOCUMENT_SIZE, why: 'bytes: the longest string Node can hold' }
} satisfies Record<string, NumericOption>

export type NumericOptionName = keyof typeof NUMERIC_OPTIONS

/** The reason a value over the range is refused (without the option's name). */
export function tooLarge (name: NumericOptionName): string {
  const { max, why } = NUMERIC_OPTIONS[name]
  return `must be at most ${max} (${why})`
}
