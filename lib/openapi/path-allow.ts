import type { FastifyInstance } from 'fastify'
import type { AllowResolver } from '../allow'
import { candidateValues, concreteUrls, paramNames, parsePathKey } from './paths'

/** What the server answers for the URLs of one documented path. */
export interface PathAllow {
  /** The concrete URL that stands for the path (parameters filled). */
  url: string
  /** The exact methods of the Allow header the server sends for `url`, OPTIONS included when automatic. */
  allow: string[]
  /** True when OPTIONS on `url` is answered by this plugin, not by an OPTIONS route of the app. */
  automaticOptions: boolean
  /** The documented methods that a route serves at `url` but Allow leaves out: routes hidden from Allow. */
  hidden: string[]
}

type Found = { params: Record<string, string | undefined> } | null

/**
 * Finds, by asking fastify's router, the concrete URL that stands for a documented path and what
 * the server answers there. The Allow of a path is the one a request without constraint headers
 * gets for a URL that no more specific route takes (`/users/1`, not `/users/new`).
 */
export class PathProbe {
  constructor (
    private readonly fastify: FastifyInstance,
    private readonly resolver: AllowResolver
  ) {}

  /** The constraints of a request without constraint headers. */
  derived (): Record<string, unknown> | undefined {
    return this.resolver.derive({})
  }

  private find (method: string, url: string): Found {
    const options = { method, url, constraints: this.derived() }
    return this.fastify.findRoute(options as Parameters<FastifyInstance['findRoute']>[0]) as Found
  }

  /**
   * Whether OPTIONS on `url` is surely this plugin's answer: no OPTIONS route takes it. Where the
   * hidden `OPTIONS *` of @fastify/cors takes it, cors' onRequest hook runs before the plugin's and
   * answers a plain OPTIONS itself by default (400 Invalid Preflight Request), so the document
   * promises no 204 there.
   */
  private automaticOptions (url: string): boolean {
    return this.find('OPTIONS', url) === null
  }

  /**
   * Whether `url` serves every documented method: a route of that method takes the URL (a hidden
   * one too) with all the key's parameters, not a more specific route (`/users/new` for
   * `/users/{id}`); OPTIONS also counts when the plugin answers it. Returns the documented methods
   * that a route serves there but `allow` leaves out (hidden routes), HEAD with a hidden GET, or
   * null when `url` does not serve them all.
   */
  private servedHere (documented: readonly string[], url: string, params: number, allow: readonly string[]): string[] | null {
    const hidden: string[] = []
    for (const m of documented) {
      const found = this.find(m, url)
      if (found === null) {
        if (m === 'OPTIONS' && allow.includes('OPTIONS')) continue
        return null
      }
      if (Object.keys(found.params).length < params) return null
      if (!allow.includes(m)) hidden.push(m)
    }
    // fastify's HEAD for a hidden GET route is hidden with it, documented or not
    if (hidden.includes('GET') && !hidden.includes('HEAD') && !allow.includes('HEAD') && this.find('HEAD', url) !== null) hidden.push('HEAD')
    return hidden
  }

  /**
   * The URL and Allow of a documented path key: the first candidate URL, under each base path in
   * turn, that serves every documented method. `null` when none does (a path the app does not
   * route as documented, for example after a swagger `transform` changed it).
   */
  resolveKey (key: string, documented: readonly string[], hints: ReadonlyMap<string, string[]>, bases: readonly string[]): PathAllow | null {
    const parts = parsePathKey(key)
    const names = paramNames(parts)
    const candidates = names.map(name => candidateValues(hints.get(name)))
    for (const base of bases) {
      for (const path of concreteUrls(parts, candidates)) {
        const url = base + path // base: a server's path (`/api`, or '')
        const allow = this.resolver.allowed(url, this.resolver.derive({}))
        if (allow === null) continue
        const hidden = this.servedHere(documented, url, names.length, allow)
        if (hidden === null) continue
        return { url, allow, automaticOptions: this.automaticOptions(url), hidden }
      }
    }
    return null
  }
}
