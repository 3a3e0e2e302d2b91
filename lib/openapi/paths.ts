/**
 * Path templates: fastify route patterns (`/users/:id(^\\d+$)`, `/files/*`) and the path keys of an
 * OpenAPI/Swagger document (`/users/{id}`), and the concrete URLs that stand for them.
 */

/** One piece of a path: literal text, or a parameter (`*` for a wildcard) with its regexp, if any. */
export type PathPart = { text: string } | { param: string, pattern?: string }

const NAME_CHARS = /[A-Za-z0-9_]/

/**
 * Splits a fastify route pattern the way @fastify/swagger's `formatParamUrl` reads it (same states,
 * same names: an unnamed regexp becomes `regexpN`), keeping the regexps so that a sample value can
 * be checked against them.
 */
export function parseRoutePattern (url: string): PathPart[] {
  const parts: PathPart[] = []
  let text = ''
  let unnamed = 0
  const flushText = (): void => {
    if (text !== '') parts.push({ text })
    text = ''
  }
  let i = 0
  while (i < url.length) {
    const char = url[i]
    if (char === ':' && url[i + 1] === ':') {
      text += ':'
      i += 2
    } else if (char === ':' || char === '(') {
      let name = ''
      if (char === ':') {
        i++
        while (i < url.length && NAME_CHARS.test(url[i])) name += url[i++]
      }
      let pattern: string | undefined
      if (url[i] === '(') {
        const start = i
        let level = 0
        do {
          if (url[i] === '(') level++
          else if (url[i] === ')') level--
          i++
        } while (level > 0 && i < url.length)
        if (level > 0) break // an unclosed regexp: formatParamUrl drops it
        pattern = url.slice(start + 1, i - 1)
        if (name === '') name = 'regexp' + String(++unnamed)
      } else if (name === '' && i === url.length) {
        break // a lone trailing ':' is dropped too
      }
      flushText()
      parts.push(pattern === undefined ? { param: name } : { param: name, pattern })
      // the character that ends a name is taken literally, whatever it is
      if (pattern === undefined && i < url.length) text += url[i++]
    } else if (char === '*') {
      flushText()
      parts.push({ param: '*' })
      i++
    } else {
      text += char
      i++
    }
  }
  flushText()
  return parts
}

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

/** The document path key of a route pattern, as @fastify/swagger's `formatParamUrl` writes it. */
export function formatParamUrl (url: string): string {
  return parseRoutePattern(url).map(p => 'text' in p ? p.text : `{${p.param}}`).join('')
}

/** The parameter names of a parsed path, in order. */
export function paramNames (parts: PathPart[]): string[] {
  const names: string[] = []
  for (const p of parts) if ('param' in p) names.push(p.param)
  return names
}

/**
 * Sample values tried for a path parameter after the document's own examples: `1` first (most
 * parameters are ids and most id regexps accept it), then values of common shapes.
 */
const SAMPLES = ['1', 'x', 'a1', 'abc', '42', 'sample', 'A', '0', 'true', 'a-b', 'a_b', 'a.b',
  '2024-01-01', '00000000-0000-4000-8000-000000000000', 'ABC', 'zz9']

function compile (pattern: string): RegExp | null {
  try {
    return new RegExp(pattern)
  } catch {
    return null // find-my-way refused it at registration already; nothing to match
  }
}

/** The values to try for one parameter: the document's hints, then the samples; all must fit its regexp. */
export function candidateValues (part: { param: string, pattern?: string }, hints: readonly string[] = []): string[] {
  const re = part.pattern === undefined ? undefined : compile(part.pattern)
  if (re === null) return []
  const out: string[] = []
  for (const value of [...hints, ...SAMPLES]) {
    if (!out.includes(value) && (re === undefined || re.test(value))) out.push(value)
  }
  return out
}

/** A concrete URL for the parts: parameter `i` takes `values[i]`; `?` (optional-parameter marks) dropped. */
export function fillParts (parts: PathPart[], values: readonly string[]): string {
  let i = 0
  let url = ''
  for (const p of parts) url += 'text' in p ? p.text.replaceAll('?', '') : encodeURIComponent(values[i++])
  return url
}

/**
 * Concrete URLs for a path, most plausible first: attempt `k` gives every parameter its `k`-th
 * candidate (or its last one). Nothing when a parameter has no candidate at all.
 */
export function * concreteUrls (parts: PathPart[], candidates: ReadonlyArray<readonly string[]>): Generator<{ url: string, values: string[] }> {
  if (candidates.some(list => list.length === 0)) return
  const attempts = Math.max(1, ...candidates.map(list => list.length))
  for (let k = 0; k < attempts; k++) {
    const values = candidates.map(list => list[Math.min(k, list.length - 1)])
    yield { url: fillParts(parts, values), values }
  }
}
