/**
 * Document path keys (`/users/{id}`, `/files/{*}` as @fastify/swagger writes fastify's `:id` and
 * `*`) and the concrete URLs that stand for them.
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
