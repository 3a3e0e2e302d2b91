'use strict'

// Micro-benchmark of the Allow computation: fastify.allowedMethods(url) on apps of 10, 1,000 and
// 10,000 routes. The three apps live in one process and are timed in alternation, batch by batch,
// so that each 10,000-route batch is compared with a 10-route batch measured moments apart: on a
// shared machine whose speed drifts, per-round ratios are far steadier than separate runs. The
// whole thing is repeated in several fresh processes.
//
// The plugin remembers the answers of its last 1,024 paths. To time the computation itself, each
// batch cycles through VARIANTS distinct URLs of the same shape (`/users/0` ... `/users/4095`), so
// that no call finds its path remembered; one more column times a repeated URL (memo hits).

const path = require('node:path')
const { buildFastify } = require('./lib/fastify-app')
const { routeSetOfSize } = require('./lib/routes')
const { runChild } = require('./lib/spawn')
const { sendResult, runStandalone } = require('./lib/child')
const { median, min, max } = require('./lib/stats')

const SIZES = [10, 1000, 10000]
const VARIANTS = 4096 // more than the plugin remembers
const URLS = {
  api405: { url: '/users/<n>', expect: 'GET, HEAD, PUT, DELETE, OPTIONS', target: true },
  filler405: { url: '/filler/r1/<n>', expect: 'GET, HEAD, OPTIONS', target: true },
  unknown404: { url: '/nothing/here/<n>', expect: '', target: false },
  api405Repeated: { url: '/users/42', expect: 'GET, HEAD, PUT, DELETE, OPTIONS', target: false, repeated: true }
}
const NAMES = Object.keys(URLS)
/**
 * Issue 9: a URL served only by hidden routes (`config.allow.hide: true`) must be as unknown as an
 * unknown URL. Status, headers and body are the same; this times the one difference left, the
 * lookup that finds the hidden route and the shadow-router lookup that discards it, against an
 * unknown URL of the same shape, on a 10-route app with one hidden route (`DELETE /vault/:id`).
 */
const HIDDEN = {
  hiddenOnly: '/vault/<n>',
  unknown: '/nothing/<n>'
}

/** The URLs one batch cycles through: VARIANTS distinct ones, or the one URL repeated. */
function urlsOf (name) {
  const { url, repeated } = URLS[name]
  return repeated ? [url] : Array.from({ length: VARIANTS }, (_, n) => url.replace('<n>', String(n)))
}

function timeBatch (app, urls, batchSize) {
  let sink = 0
  const c0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < batchSize; i++) sink += app.allowedMethods(urls[i % urls.length]).length
  const wall = Number(process.hrtime.bigint() - t0)
  const c = process.cpuUsage(c0)
  return { cpuNs: ((c.user + c.system) * 1000) / batchSize, wallNs: wall / batchSize, sink }
}

async function measure (rounds, batchSize) {
  const apps = {}
  const urls = Object.fromEntries(NAMES.map((name) => [name, urlsOf(name)]))
  for (const size of SIZES) {
    apps[size] = await buildFastify({ variant: 'allowed-methods', routes: routeSetOfSize(size) })
    await apps[size].ready()
    for (const name of NAMES) {
      for (const url of [urls[name][0], urls[name][urls[name].length - 1]]) {
        const got = apps[size].allowedMethods(url).join(', ')
        if (got !== URLS[name].expect) throw new Error(`${size} routes: allowedMethods(${url}) is "${got}", expected "${URLS[name].expect}"`)
      }
    }
  }
  const hiddenApp = await buildFastify({ variant: 'allowed-methods', routes: routeSetOfSize(10) })
  hiddenApp.delete('/vault/:id', { config: { allow: { hide: true } } }, async () => 'vault')
  await hiddenApp.ready()
  const hiddenUrls = Object.fromEntries(Object.entries(HIDDEN).map(([name, url]) => [name, Array.from({ length: VARIANTS }, (_, n) => url.replace('<n>', String(n)))]))
  for (const name of Object.keys(HIDDEN)) {
    const got = hiddenApp.allowedMethods(hiddenUrls[name][0]).join(', ')
    if (got !== '') throw new Error(`allowedMethods(${hiddenUrls[name][0]}) is "${got}", expected no methods`)
  }
  for (const size of SIZES) for (const name of NAMES) timeBatch(apps[size], urls[name], batchSize * 3) // warm-up
  for (const name of Object.keys(HIDDEN)) timeBatch(hiddenApp, hiddenUrls[name], batchSize * 3)
  const samples = {}
  for (const size of SIZES) for (const name of NAMES) samples[`${size} ${name}`] = []
  for (const name of Object.keys(HIDDEN)) samples[`hidden ${name}`] = []
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? SIZES : SIZES.slice().reverse()
    for (const name of NAMES) {
      for (const size of order) samples[`${size} ${name}`].push(timeBatch(apps[size], urls[name], batchSize))
    }
    const hiddenOrder = r % 2 === 0 ? Object.keys(HIDDEN) : Object.keys(HIDDEN).reverse()
    for (const name of hiddenOrder) samples[`hidden ${name}`].push(timeBatch(hiddenApp, hiddenUrls[name], batchSize))
  }
  for (const size of SIZES) await apps[size].close()
  await hiddenApp.close()
  return samples
}

/** @returns {Promise<object>} ns per call per size and URL, and the 10k/10 ratios */
async function run ({ full }) {
  const reps = full ? 5 : 3
  const rounds = full ? 40 : 20
  const batchSize = 10000
  const all = []
  for (let rep = 0; rep < reps; rep++) {
    all.push(await runChild(__filename, { args: ['--child', String(rounds), String(batchSize)] }))
  }
  const result = { reps, rounds, batchSize, variants: VARIANTS, urls: URLS, sizes: {}, ratios: {} }
  for (const size of SIZES) {
    result.sizes[size] = {}
    for (const name of NAMES) {
      const cpu = all.flatMap((s) => s[`${size} ${name}`].map((b) => b.cpuNs))
      result.sizes[size][name] = { cpuNs: median(cpu), minCpuNs: min(cpu), maxCpuNs: max(cpu) }
    }
  }
  for (const name of NAMES) {
    // ratio of batches measured next to each other, round by round
    const ratios = all.flatMap((s) => s[`10000 ${name}`].map((b, i) => b.cpuNs / s[`10 ${name}`][i].cpuNs))
    result.ratios[name] = { median: median(ratios), min: min(ratios), max: max(ratios) }
  }
  // paired per round: the hidden-only URL minus the unknown URL, timed next to each other
  const diffs = all.flatMap((s) => s['hidden hiddenOnly'].map((b, i) => b.cpuNs - s['hidden unknown'][i].cpuNs))
  const of = (name) => median(all.flatMap((s) => s[`hidden ${name}`].map((b) => b.cpuNs)))
  result.hiddenOnly = { urls: HIDDEN, hiddenOnlyNs: of('hiddenOnly'), unknownNs: of('unknown'), diffNs: { median: median(diffs), min: min(diffs), max: max(diffs) } }
  result.ratio10kVs10 = Math.max(...NAMES.filter((n) => URLS[n].target).map((n) => result.ratios[n].median))
  return result
}

if (require.main === module) {
  if (process.argv[2] === '--child') {
    const [rounds, batchSize] = process.argv.slice(3).map(Number)
    sendResult(measure(rounds, batchSize))
  } else {
    runStandalone(run, (r) => ({ sizes: r.sizes, ratios: r.ratios, ratio10kVs10: r.ratio10kVs10 }))
  }
}

module.exports = { run, SIZES, URLS, script: path.basename(__filename) }
