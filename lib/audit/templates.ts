import { encodeLiteral } from './params'

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
 * (literal parts %-encoded like fillPath's); `trailingSlash` also accepts one more `/` at the end.
 */
export function templateRegExp (template: string, prefix = '', trailingSlash = false): RegExp {
  const pattern = template.split(/(\{[^}]*\})/).map(part => {
    if (part === '{*}') return '.*'
    if (part.startsWith('{') && part.endsWith('}')) return '[^/]+'
    return escape(encodeLiteral(part))
  }).join('')
  return new RegExp(`^${escape(prefix)}${pattern}${trailingSlash ? '/?' : ''}$`)
}
