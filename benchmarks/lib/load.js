'use strict'

// The load generator: a child process (pinned to its own CPU) that runs autocannon against one
// server and sends the numbers back over IPC. Invoked with one JSON argument, see run().

const crypto = require('node:crypto')
const autocannon = require('autocannon')

// autocannon refuses methods outside its own list (fastify's, bar CONNECT); the 501 comparison
// sends PURGE, which Node's parser accepts and fastify does not support: extend that list
{
  const known = require('autocannon/lib/httpMethods')
  for (const m of require('node:http').METHODS) if (!known.includes(m)) known.push(m)
}

/** A path no route serves: no route starts with /zz. */
function randomUnknownPath () {
  return `/zz/${crypto.randomBytes(8).toString('hex')}/${(Math.random() * 1e9) | 0}`
}

/** A path of GET/PUT/DELETE /users/:id with a random id (a 405 for PATCH). */
function randomUserPath () {
  return `/users/${crypto.randomBytes(8).toString('hex')}`
}

const RANDOM_PATHS = { unknown: randomUnknownPath, user: randomUserPath }

function cannon (opts) {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)))
  })
}

/**
 * @param {object} cfg
 * @param {number} cfg.port
 * @param {string} cfg.method
 * @param {string} cfg.path
 * @param {number} cfg.connections
 * @param {number} cfg.pipelining
 * @param {number} [cfg.warmup] seconds
 * @param {number} [cfg.duration] seconds (or cfg.amount requests)
 * @param {number} [cfg.amount]
 * @param {'unknown'|'user'} [cfg.randomPath] every request to a new random path of that kind
 * @param {Record<string, string>} [cfg.headers] request headers sent with every request
 */
async function run (cfg) {
  const base = {
    url: `http://127.0.0.1:${cfg.port}`,
    method: cfg.method,
    connections: cfg.connections,
    pipelining: cfg.pipelining,
    timeout: 10
  }
  if (cfg.headers) base.headers = cfg.headers
  if (cfg.randomPath) {
    const next = RANDOM_PATHS[cfg.randomPath]
    base.requests = [{ setupRequest: (req) => ({ ...req, path: next() }) }]
  } else {
    base.url += cfg.path
  }
  if (cfg.warmup > 0) await cannon({ ...base, duration: cfg.warmup })
  const cpu0 = process.cpuUsage()
  const r = await cannon(cfg.amount ? { ...base, amount: cfg.amount } : { ...base, duration: cfg.duration })
  const statuses = {}
  for (const [code, { count }] of Object.entries(r.statusCodeStats || {})) statuses[code] = count
  const cpu = process.cpuUsage(cpu0)
  return {
    loadBusy: (cpu.user + cpu.system) / 1e6 / r.duration,
    requests: r.requests.total,
    seconds: r.duration,
    rps: r.requests.total / r.duration,
    latencyP50: r.latency.p50,
    latencyP99: r.latency.p99,
    errors: r.errors,
    timeouts: r.timeouts,
    statuses
  }
}

if (require.main === module && process.argv[2] === '--worker') {
  // persistent mode: one run per { type: 'run', id, cfg } message
  process.on('message', (msg) => {
    if (msg.type !== 'run') return
    run(msg.cfg).then(
      (value) => process.send({ type: 'result', id: msg.id, value }),
      (err) => process.send({ type: 'result', id: msg.id, value: { error: String(err && err.stack) } }))
  })
  process.on('disconnect', () => process.exit(0))
  process.send({ type: 'ready' })
} else if (require.main === module) {
  require('./child').sendResult(run(JSON.parse(process.argv[2])))
}

module.exports = { run, randomUnknownPath, randomUserPath }
