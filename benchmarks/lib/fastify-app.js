'use strict'

// Builds the three fastify contenders on one route set: plain fastify, fastify +
// fastify-allowed-methods (from ../dist, built by `npm run build`), fastify + fastify-allow 2.

const path = require('node:path')
const Fastify = require('fastify')
const { routeSet, payload, AUTH_HEADERS } = require('./routes')

const VARIANTS = ['plain', 'allowed-methods', 'fastify-allow']

/**
 * Where the built plugin is loaded from: ../dist, or the snapshot run.js takes of it at start
 * (BENCH_PLUGIN_DIR), so that every process of one run uses the same build even if dist/ is
 * rebuilt meanwhile.
 */
function pluginDir () {
  return process.env.BENCH_PLUGIN_DIR || path.join(__dirname, '..', '..', 'dist')
}

function loadPlugin (variant) {
  if (variant === 'allowed-methods') return require(path.join(pluginDir(), 'index.js'))
  if (variant === 'fastify-allow') return require('fastify-allow').default
  return null
}

function handler (request, reply) {
  reply.send(payload(request.params.id))
}

/**
 * @param {object} opts
 * @param {'plain'|'allowed-methods'|'fastify-allow'} opts.variant
 * @param {Array<[string, string]>} [opts.routes] defaults to the standard 1,007-route set
 * @param {object} [opts.fastifyOptions] extra fastify() options (bodyLimit...)
 * @param {(app: import('fastify').FastifyInstance) => void} [opts.instrument] hooks added before routes
 * @param {object} [opts.pluginOptions] options of the plugin (fastify-allowed-methods: useErrorHandler...)
 */
async function buildFastify ({ variant, routes = routeSet(), fastifyOptions = {}, instrument, pluginOptions } = {}) {
  if (!VARIANTS.includes(variant)) throw new Error(`unknown fastify variant ${variant}`)
  const app = Fastify({ logger: false, ...fastifyOptions })
  const plugin = loadPlugin(variant)
  if (plugin !== null) await app.register(plugin, pluginOptions)
  if (instrument) instrument(app)
  for (const [method, url] of routes) app.route({ method, url, handler })
  return app
}

module.exports = { buildFastify, loadPlugin, pluginDir, VARIANTS }

/**
 * A root preHandler like an auth hook (@fastify/auth's documented `app.addHook('preHandler',
 * app.auth([...]))`), kept cheap: a request whose `authorization` header is AUTH_HEADERS' passes,
 * any other gets 401. Fastify runs root preHandlers for its 404 too. `counters.preHandlerRuns`
 * counts its runs, so that a probe can tell whether it ran for a given answer.
 */
function addAuthPreHandler (app, counters) {
  const expected = AUTH_HEADERS.authorization
  app.addHook('preHandler', function authPreHandler (request, reply, done) {
    counters.preHandlerRuns++
    if (request.headers.authorization === expected) {
      done()
      return
    }
    reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'Missing or invalid credentials' })
  })
}

/**
 * `create(options)` for a fastify server child. Options (`defaults`, then BENCH_SERVER_OPTIONS):
 * `fillers` (route count), `bodyLimit`, `pluginOptions` (the plugin's options), `subscribe` (a subscriber
 * of the plugin's answer channel), `instrument` (count octet-stream bodies
 * parsed, for the big-body check), `authPreHandler` (a root auth-like preHandler, see
 * addAuthPreHandler; added after the plugin, before the routes).
 */
function fastifyServer (variant, defaults = {}) {
  const { listenFastify } = require('./child')
  return async function create (given = {}) {
    const options = { ...defaults, ...given }
    const counters = { parsedBodies: 0, parsedBytes: 0, responses: [], preHandlerRuns: 0 }
    const fastifyOptions = options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}
    const instrumentBody = options.instrument
      ? (app) => {
          // no preParsing hook: a hook after onRequest on the 404 path makes fastify-allowed-methods
          // answer where the 404 handler runs, after the body (hook parity); this app has none
          app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (request, body, done) => {
            counters.parsedBodies++
            counters.parsedBytes += body.length
            done(null, body)
          })
          app.addHook('onResponse', (request, reply, done) => {
            counters.responses.push({ status: reply.statusCode, socketBytesRead: request.raw.socket.bytesRead })
            done()
          })
        }
      : undefined
    const instrument = instrumentBody || options.authPreHandler
      ? (app) => {
          if (instrumentBody) instrumentBody(app)
          if (options.authPreHandler) addAuthPreHandler(app, counters)
        }
      : undefined
    if (options.subscribe) {
      // a subscriber of the answer channel that counts answers by status and route pattern (the
      // README's metrics recipe without prom-client): what observing every answer costs
      const counts = new Map()
      require('node:diagnostics_channel').subscribe('fastify-allowed-methods.answer', ({ status, patterns }) => {
        const key = `${status} ${patterns.join(' ')}`
        counts.set(key, (counts.get(key) ?? 0) + 1)
      })
      counters.answersSeen = counts
    }
    const app = await buildFastify({ variant, routes: routeSet(options.fillers), fastifyOptions, instrument, pluginOptions: options.pluginOptions })
    const server = await listenFastify(app)
    server.stats = () => counters
    return server
  }
}

module.exports.fastifyServer = fastifyServer
