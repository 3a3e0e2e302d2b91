'use strict'

// The plugin's cost on a matched route, measured in-process where nothing else is in the way:
// app.inject() of GET /users/42 on plain fastify and on fastify + fastify-allowed-methods (same
// 1,007 routes), batches alternating between the two apps, process CPU time per request. inject
// skips the kernel and the HTTP parser, so the relative overhead here is an upper bound of what a
// real server sees. Complements the HTTP table, whose noise on a shared machine is a few percent.

const path = require('node:path')
const { buildFastify } = require('./lib/fastify-app')
const { runChild } = require('./lib/spawn')
const { sendResult, runStandalone } = require('./lib/child')
const { median, min, max } = require('./lib/stats')

const VARIANTS = ['plain', 'allowed-methods']

async function injectBatch (app, n) {
  const c0 = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    const res = await app.inject({ method: 'GET', url: '/users/42' })
    if (res.statusCode !== 200) throw new Error(`GET /users/42 answered ${res.statusCode}`)
  }
  const c = process.cpuUsage(c0)
  return ((c.user + c.system) * 1000) / n
}

async function measure (rounds, batchSize) {
  const apps = {}
  for (const variant of VARIANTS) {
    apps[variant] = await buildFastify({ variant })
    await apps[variant].ready()
  }
  for (const variant of VARIANTS) await injectBatch(apps[variant], batchSize * 3)
  const samples = { plain: [], 'allowed-methods': [] }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? VARIANTS : VARIANTS.slice().reverse()
    for (const variant of order) samples[variant].push(await injectBatch(apps[variant], batchSize))
  }
  for (const variant of VARIANTS) await apps[variant].close()
  return samples
}

async function run ({ full }) {
  const reps = full ? 3 : 2
  const rounds = full ? 40 : 20
  const batchSize = 2000
  const all = []
  for (let rep = 0; rep < reps; rep++) all.push(await runChild(__filename, { args: ['--child', String(rounds), String(batchSize)] }))
  const plain = all.flatMap((s) => s.plain)
  const ours = all.flatMap((s) => s['allowed-methods'])
  const ratios = all.flatMap((s) => s.plain.map((p, i) => p / s['allowed-methods'][i]))
  const diffs = all.flatMap((s) => s.plain.map((p, i) => s['allowed-methods'][i] - p))
  return {
    reps,
    rounds,
    batchSize,
    plainNs: median(plain),
    oursNs: median(ours),
    overheadNs: median(diffs),
    ratio: { median: median(ratios), min: min(ratios), max: max(ratios) }
  }
}

if (require.main === module) {
  if (process.argv[2] === '--child') {
    const [rounds, batchSize] = process.argv.slice(3).map(Number)
    sendResult(measure(rounds, batchSize))
  } else {
    runStandalone(run)
  }
}

module.exports = { run, script: path.basename(__filename) }
