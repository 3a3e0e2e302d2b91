import type { FastifyInstance } from 'fastify'
import type { AllowResolver } from '../allow'
import type { MethodTable } from '../method-table'
import type { OptionsExtras } from '../options-extras'
import type { ResolvedOptions } from '../options'
import type { ResolvePath } from './augment'
import type { DocumentKind, Json } from './document'
import type { PathProbe } from './path-allow'

/*
 * What the export needs besides this module (the reader, the augmenting, the router probe, the
 * static-mode check, YAML) is loaded when a swagger decorator is found: an app without
 * @fastify/swagger never loads it.
 */
type Augment = typeof import('./augment')
type Reader = typeof import('./document')
type Probe = typeof import('./path-allow')
type StaticMode = typeof import('./static-mode')
type Yaml = typeof import('yaml')

/** What the plugin hands over to the OpenAPI export. */
export interface OpenApiContext {
  fastify: FastifyInstance
  table: MethodTable
  resolver: AllowResolver
  options: ResolvedOptions
  /** What OPTIONS answers say besides Allow (documented on the `options` operations). */
  extras: OptionsExtras
}

/** The decorator @fastify/swagger adds: the document, or its YAML text with `{ yaml: true }`. */
type SwaggerDecorator = (this: unknown, opts?: { yaml?: boolean }) => unknown

/** The instance along the encapsulation chain that owns the decorator `name`, when it is a function. */
function ownerOf (fastify: FastifyInstance, name: string): Record<string, unknown> | null {
  let owner: object | null = fastify
  while (owner !== null && !Object.hasOwn(owner, name)) owner = Object.getPrototypeOf(owner) as object | null
  if (owner === null) return null
  const holder = owner as Record<string, unknown>
  return typeof holder[name] === 'function' ? holder : null
}

/**
 * @fastify/swagger 9 decorates a function named `swagger` in static mode (a document the user
 * wrote) and an anonymous one in dynamic mode (a document built from the routes). A static document
 * is the user's to keep: it is checked against the routes, never rewritten.
 */
function isStaticMode (decorator: SwaggerDecorator): boolean {
  return decorator.name === 'swagger'
}

/**
 * Wraps swagger's decorator so that the document it returns, and its YAML form, carry the method
 * table. The document is built once by swagger (after ready, when the routes are final) and
 * extended once per object swagger returns; the YAML is the same object, stringified as swagger does.
 */
function documenting (original: SwaggerDecorator, extend: (doc: unknown) => unknown): SwaggerDecorator {
  let source: unknown
  let extended: unknown
  let yamlText: string | undefined
  return function swaggerWithAllowedMethods (this: unknown, opts?: { yaml?: boolean }): unknown {
    const doc = original.call(this)
    if (doc !== source || extended === undefined) {
      source = doc
      extended = extend(doc)
      yamlText = undefined
    }
    if (opts?.yaml === true) {
      yamlText ??= (require('yaml') as Yaml).stringify(extended, { strict: false })
      return yamlText
    }
    return extended
  }
}

/**
 * The methods of the routes hidden with `config.allow.hide: true`. Only their operations leave the
 * document: another plugin's hidden catch-all (which swagger already leaves out through its
 * `schema.hide`) and a route hidden by a function (visible to some callers) stay documented.
 */
function hideTrueMethods (table: MethodTable): Set<string> {
  const methods = new Set<string>()
  for (const route of table.routes) {
    if (route.hidden === true && !route.catchAll) for (const m of route.methods) methods.add(m)
  }
  return methods
}

function pathResolver (doc: Json, kind: DocumentKind, probe: PathProbe, hideTrue: ReadonlySet<string>, extras: OptionsExtras): ResolvePath {
  const { basePaths, operationsOf, parameterHints } = require('./document') as Reader
  const bases = basePaths(doc, kind)
  return (key: string, item: Json) => {
    const found = probe.resolveKey(key, [...operationsOf(item).keys()], parameterHints(item), bases)
    if (found === null) return null
    // the headers besides Allow (Accept-Patch...) that a request without constraint headers gets, as for Allow
    return { ...found, hidden: found.hidden.filter(m => hideTrue.has(m)), optionsHeaders: extras.headers(found.url, found.allow, probe.derived()) }
  }
}

/**
 * Connects the plugin to @fastify/swagger, registered before or after it: at `onReady` (all plugins
 * loaded, routes final) every named swagger decorator found on the instance or its ancestors is
 * wrapped (dynamic mode) or its document compared with the routes (static mode).
 */
export function installOpenApi ({ fastify, table, resolver, options, extras }: OpenApiContext): void {
  let probe: PathProbe | undefined

  function extend (doc: unknown): unknown {
    const kind = (require('./document') as Reader).documentKind(doc)
    if (kind === null) return doc
    probe ??= new (require('./path-allow') as Probe).PathProbe(fastify, resolver)
    return (require('./augment') as Augment).augmentDocument(doc as Json, kind, pathResolver(doc as Json, kind, probe, hideTrueMethods(table), extras), {
      autoOptions: options.autoOptions,
      notImplemented: options.notImplemented,
      useErrorHandler: options.useErrorHandler,
      problemType: options.problemType,
      supportedMethods: fastify.supportedMethods
    })
  }

  fastify.addHook('onReady', function exportMethodTable (done) {
    let error: Error | undefined
    for (const name of options.openapiDecorators) {
      const owner = ownerOf(fastify, name)
      if (owner === null) {
        if (fastify.hasPlugin('@fastify/swagger')) {
          fastify.log.warn(`fastify-allowed-methods: @fastify/swagger is registered but there is no decorator fastify.${name}(); ` +
            'set the option openapiDecorator to the name given to swagger\'s `decorator` option')
        }
        continue
      }
      const decorator = owner[name] as SwaggerDecorator
      if (isStaticMode(decorator)) {
        error ??= (require('./static-mode') as StaticMode).checkStaticDocument(fastify, table, decorator.call(fastify), `fastify.${name}()`, options.openapiStrict, options.autoOptions)
      } else {
        owner[name] = documenting(decorator, extend)
      }
    }
    done(error)
  })
}
