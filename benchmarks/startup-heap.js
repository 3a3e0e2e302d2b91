'use strict'

// Startup cost with 10,000 routes: time from fastify() to ready() resolved, and the heap after GC,
// plain fastify vs fastify + fastify-allowed-methods. Each measurement is a fresh process started
// with --expose-gc; variants alternate, several reps. Then (require-time.js) the cost of a bare
// require() of the plugin, this build against the one before lazy loading: `summary.require`.

const path = require('node:path')
const { routeSetOfSize } = require('./lib/routes')
const { runChild } = require('./lib/spawn')
const { sendResult, runStandalone } = require('./lib/child')
const { median, min, max } = require('./lib/stats')

const VARIANTS = ['plain', 'allowed-methods']
const ROUTES = 10000

function gcHeap () {
  for (let i = 0; i < 4; i++) global.gc()
  return process.memoryUsage().heapUsed
}

async function measure (variant, total) {
  if (typeof global.gc !== 'function') throw new Error('run with --expose-gc')
  const { buildFastify, loadPlugin } = require('./lib/fastify-app')
  loadPlugin(variant) // module loading is not part of startup time
  const routes = routeSetOfSize(total)
  const heapBefore = gcHeap()
  const c0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  const app = await buildFastify({ variant, routes })
  const t1 = process.hrtime.bigint()
  await app.ready()
  const t2 = process.hrtime.bigint()
  const c = process.cpuUsage(c0)
  const heapAfter = gcHeap()
  const result = {
    variant,
    routes: total,
    registerMs: Number(t1 - t0) / 1e6,
    readyMs: Number(t2 - t1) / 1e6,
    wallMs: Number(t2 - t0) / 1e6,
    cpuMs: (c.user + c.system) / 1000,
    heapBefore,
    heapAfter,
    heapRoutes: heapAfter - heapBefore
  }
  const probe = await app.inject({ method: 'GET', url: `/filler/r${total - 8}/1` })
  if (probe.statusCode !== 200) throw new Error(`last filler route answered ${probe.statusCode}`)
  await app.close()
  return result
}

async function run ({ full }) {
  const reps = full ? 5 : 3
  const runs = Object.fromEntries(VARIANTS.map((v) => [v, []]))
  for (let rep = 0; rep < reps; rep++) {
    const order = rep % 2 === 0 ? VARIANTS : VARIANTS.slice().reverse()
    for (const variant of order) {
      runs[variant].push(await runChild(__filename, { args: ['--child', variant, String(ROUTES)], execArgv: ['--expose-gc'] }))
    }
  }
  const summary = { reps, routes: ROUTES, variants: {} }
  for (const variant of VARIANTS) {
    const r = runs[variant]
    const pick = (key) => ({ median: median(r.map((x) => x[key])), min: min(r.map((x) => x[key])), max: max(r.map((x) => x[key])) })
    summary.variants[variant] = { cpuMs: pick('cpuMs'), wallMs: pick('wallMs'), readyMs: pick('readyMs'), heapAfter: pick('heapAfter'), heapRoutes: pick('heapRoutes') }
  }
  const ours = summary.variants['allowed-methods']
  const plain = summary.variants.plain
  summary.ratios = {
    cpu: ours.cpuMs.median / plain.cpuMs.median,
    wall: ours.wallMs.median / plain.wallMs.median,
    heap: ours.heapAfter.median / plain.heapAfter.median,
    heapRoutes: ours.heapRoutes.median / plain.heapRoutes.median
  }
  summary.require = await require('./require-time').run({ full })
  return summary
}

if (require.main === module) {
  if (process.argv[2] === '--child') {
    sendResult(measure(process.argv[3], Number(process.argv[4])))
  } else {
    runStandalone(run)
  }
}

module.exports = { run, ROUTES, script: path.basename(__filename) }
