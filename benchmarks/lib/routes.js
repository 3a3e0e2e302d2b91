'use strict'

// The route set every contender serves: 7 API routes plus `fillers` GET /filler/r<i>/:id routes,
// so that routers have a realistic amount of work on a miss (1,000 fillers by default).

const API_ROUTES = [
  ['GET', '/'],
  ['GET', '/users'],
  ['POST', '/users'],
  ['GET', '/users/:id'],
  ['PUT', '/users/:id'],
  ['DELETE', '/users/:id'],
  ['GET', '/users/:id/posts']
]

const DEFAULT_FILLERS = 1000

/** Every route as [method, pattern], for a total of API_ROUTES.length + fillers routes. */
function routeSet (fillers = DEFAULT_FILLERS) {
  const out = API_ROUTES.slice()
  for (let i = 0; i < fillers; i++) out.push(['GET', `/filler/r${i}/:id`])
  return out
}

/** A route set of exactly `total` routes (at least the 7 API routes). */
function routeSetOfSize (total) {
  return routeSet(Math.max(0, total - API_ROUTES.length))
}

/**
 * The load scenarios. `expect` is, per contender, the status the request must get; a run whose
 * responses have another status is reported as an error, never as a throughput number.
 */
const SCENARIOS = [
  {
    id: 'matched',
    title: 'GET matched',
    method: 'GET',
    path: '/users/42'
  },
  {
    id: 'wrong',
    title: 'wrong method (405 or 404)',
    method: 'PATCH',
    path: '/users/42'
  },
  {
    // every request to a path never seen before: the plugin's memo of recent paths never helps,
    // each 405 probes the router (see lib/load.js randomUserPath)
    id: 'wrongFresh',
    title: 'wrong method, a new URL each time',
    method: 'PATCH',
    path: '/users/<random>',
    probePath: '/users/0f3a9c2e',
    randomPath: 'user'
  },
  {
    id: 'unknown',
    title: 'unknown path 404',
    method: 'GET',
    path: '/nothing/here/42'
  },
  {
    id: 'options',
    title: 'OPTIONS',
    method: 'OPTIONS',
    path: '/users/42'
  }
]

/**
 * The credentials of the auth-like root preHandler of the `-prehandler` servers (see
 * fastify-app.js `authPreHandler`): a request with this header passes, any other gets 401.
 */
const AUTH_HEADERS = { authorization: 'Bearer ok' }

/**
 * The requests of the root-preHandler phase (http-throughput.js): the same requests as SCENARIOS,
 * each sent with AUTH_HEADERS so that the hook lets it through.
 */
const PREHANDLER_SCENARIOS = ['matched', 'wrong', 'unknown'].map((id) => ({ ...SCENARIOS.find((s) => s.id === id), headers: AUTH_HEADERS }))

/** The body every GET handler answers with. */
function payload (id) {
  return { id, ok: true }
}

module.exports = { API_ROUTES, DEFAULT_FILLERS, routeSet, routeSetOfSize, SCENARIOS, AUTH_HEADERS, PREHANDLER_SCENARIOS, payload }
