/**
 * Document path keys (`/users/{id}`, `/files/{*}` as @fastify/swagger writes fastify's `:id` and
 * `*`): their parts, the concrete URLs that stand for them, how a request path writes their
 * literal parts and parameter values (%-encoded), and which request paths they match.
 */

/** One piece of a path key: literal text, or a parameter. */
export type PathPart = { text: string } | { param: string }

/** Splits a document path key (`/users/{id}`) into text and parameters. */
export function parsePathKey (key: string): PathPart[] {
  const parts: PathPart[] = []
  const re = /\{([^{}]*)\}/g
  let last = 0
  for (let m = re.exec(key); m !== null; m = re.exec(key)) {
    if (m.index > last) parts.push({ text: key.slice(last, m.index) })
    parts.push({ param: m[1] })
    last = m.index + m[0].length
  }
  if (last < key.length) parts.push({ text: key.slice(last) })
  return parts
}

/** The parameter names of a parsed path key, in order. */
export function paramNames (parts: PathPart[]): string[] {
  const names: string[] = []
  for (const p of parts) if ('param' in p) names.push(p.param)
  return names
}

/**
 * Values tried for a path parameter after the document's own examples: `1` first (most parameters
 * are ids, and most id regexps accept it), then values of other common shapes, for parameters
 * whose route regexp refuses digits.
 */
const SAMPLES = ['1', 'x', 'a1', 'abc', '42', 'sample', 'A', '0', 'true', 'a-b', 'a_b', 'a.b',
  '2024-01-01', '00000000-0000-4000-8000-000000000000', 'ABC', 'zz9']

/** The values to try for one parameter: the document's hints first, then the samples, without repeats. */
export function candidateValues (hints: readonly string[] = []): string[] {
  return [...new Set([...hints, ...SAMPLES])]
}

/**
 * A concrete URL for the parts: parameter `i` takes `values[i]` (%-encoded). A `?` is dropped:
 * swagger writes fastify's optional parameter `:id?` as `{id}?`, and a `?` would start a query.
 */
function fillParts (parts: PathPart[], values: readonly string[]): string {
  let i = 0
  let url = ''
  for (const p of parts) url += 'text' in p ? p.text.replaceAll('?', '') : encodeURIComponent(values[i++])
  return url
}

/**
 * Concrete URLs for a path key, most plausible first: attempt `k` gives every parameter its `k`-th
 * candidate (or its last one).
 */
export function * concreteUrls (parts: PathPart[], candidates: ReadonlyArray<readonly string[]>): Generator<string> {
  const attempts = Math.max(1, ...candidates.map(list => list.length))
  for (let k = 0; k < attempts; k++) {
    yield fillParts(parts, candidates.map(list => list[Math.min(k, list.length - 1)]))
  }
}

/** Characters a path segment may carry as they are (RFC 3986 unreserved, and the sub-delims encodeURIComponent keeps). */
const SEGMENT_SAFE = /[A-Za-z0-9\-_.!~*'()]/
/** What a literal part of a path may carry as written: the same, `/`, the other sub-delims, `:`, `@`. */
const PATH_SAFE = /[A-Za-z0-9\-_.!~*'()/$&+,;=:@]/

/** %-encodes every character `safe` does not accept, as UTF-8; never throws (a lone surrogate becomes U+FFFD). */
function encode (text: string, safe: RegExp, keepEscapes: boolean): string {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const char = text[i]
    if (safe.test(char)) out += char
    else if (keepEscapes && char === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) out += char
    else {
      const code = text.codePointAt(i) as number
      const whole = code > 0xffff ? text.slice(i, i + 2) : char
      if (whole.length === 2) i++
      for (const byte of Buffer.from(whole, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
    }
  }
  return out
}

/** A parameter value as one path segment: everything but unreserved characters %-encoded (`/` too). */
export function encodeSegment (value: string): string {
  return encode(value, SEGMENT_SAFE, false)
}

/** A literal part of a documented path as it can be sent: spaces, non-ASCII, `?`, `#`... %-encoded, existing %XX escapes kept. */
export function encodeLiteral (text: string): string {
  return encode(text, PATH_SAFE, true)
}

/**
 * Path templates matched the way OpenAPI (and a router) matches them: a literal segment matches
 * itself, a `{name}` matches any one non-empty segment, `{*}` (a catch-all, as @fastify/swagger
 * writes `*`) anything. A concrete URL can match several templates (`/items/special` matches
 * `/items/special` and `/items/{id}`): the methods of that URL are those of all of them.
 */

function escape (text: string): string {
  return text.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&')
}

/**
 * The regular expression of `prefix` + `template`, against request paths as the audit sends them
 * (literal parts %-encoded by encodeLiteral); `trailingSlash` also accepts one more `/` at the end.
 */
export function templateRegExp (template: string, prefix = '', trailingSlash = false): RegExp {
  const pattern = template.split(/(\{[^}]*\})/).map(part => {
    if (part === '{*}') return '.*'
    if (part.startsWith('{') && part.endsWith('}')) return '[^/]+'
    return escape(encodeLiteral(part))
  }).join('')
  return new RegExp(`^${escape(prefix)}${pattern}${trailingSlash ? '/?' : ''}$`)
}
