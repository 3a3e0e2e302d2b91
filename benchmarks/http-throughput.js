'use strict'

// HTTP throughput: six contenders serving the same route set, each in its own process (pinned to
// CPU 0 when taskset works), one autocannon load generator process (CPU 1). All servers are started
// first and warmed up; then, round after round, every scenario is run against every contender in
// turn (order rotated each round), so that the samples compared with each other are seconds apart.
// Per sample: req/s, and the server's own CPU time per request. Ratios vs plain fastify are taken
// per round (same scenario, same round) and their median is reported.

const path = require('node:path')
const { startServer, forkPinned, nextMessage } = require('./lib/spawn')
const { probe } = require('./lib/probe')
const { runStandalone } = require('./lib/child')
const { SCENARIOS } = require('./lib/routes')
const { median, min, max } = require('./lib/stats')

const CONTENDERS = [
  { id: 'fastify', title: 'plain fastify' },
  { id: 'fastify-allowed-methods', title: 'fastify + fastify-allowed-methods' },
  { id: 'fastify-allow', title: 'fastify + fastify-allow 2' },
  { id: 'koa', title: 'koa + @koa/router allowedMethods' },
  { id: 'restify', title: 'restify' },
  { id: 'node-http', title: 'node:http, hard-coded 405' }
]

const MODES = {
  quick: { rounds: 3, duration: 2, warmup: 1, abRounds: 6, abDuration: 1 },
  full: { rounds: 5, duration: 3, warmup: 2, abRounds: 16, abDuration: 2 }
}

// The close calls (matched GET vs plain fastify, our 405 vs plain fastify's 404 and vs node:http)
// get a second phase: only these servers, taking turns on these two requests, many short samples,
// so that each ratio comes from samples a second or two apart. A second plain fastify process
// (CONTROL) takes part as a null control: plain fastify against itself shows how far this method,
// on this machine, is from 1.00x when both sides run the very same code.
const CONTROL = 'fastify-control'
const AB_CONTENDERS = ['fastify', CONTROL, 'fastify-allowed-methods', 'node-http']
const AB_SCENARIOS = ['matched', 'wrong']
const AB_PAIRS = [
  { id: 'matchedVsPlain', scenario: 'matched', a: 'fastify-allowed-methods', b: 'fastify' },
  { id: 'wrongVsPlain', scenario: 'wrong', a: 'fastify-allowed-methods', b: 'fastify' },
  { id: 'wrongVsNodeHttp', scenario: 'wrong', a: 'fastify-allowed-methods', b: 'node-http' },
  { id: 'controlMatched', scenario: 'matched', a: CONTROL, b: 'fastify' },
  { id: 'controlWrong', scenario: 'wrong', a: CONTROL, b: 'fastify' }
]

const CONNECTIONS = 10
const PIPELINING = 10

async function startLoad () {
  const child = forkPinned(path.join(__dirname, 'lib', 'load.js'), { role: 'load', args: ['--worker'] })
  await nextMessage(child, 'ready')
  let id = 0
  return {
    async run (cfg) {
      const msgId = ++id
      child.send({ type: 'run', id: msgId, cfg })
      const { value } = await nextMessage(child, 'result', msgId, (cfg.duration + 60) * 1000)
      if (value.error) throw new Error(value.error)
      return value
    },
    close () {
      child.disconnect()
    }
  }
}

function rotate (list, by) {
  const k = by % list.length
  return list.slice(k).concat(list.slice(0, k))
}

// A sample in which the server process got less than this share of its CPU did not measure the
// server: another process had the CPU (or the load generator's). It is taken again, up to
// MAX_RETRIES times; the report counts the retries and flags samples that stayed below.
const MIN_BUSY = 0.9
const MAX_RETRIES = 2

/** One load sample against one server: req/s, server CPU per request and share of a CPU. */
async function sample ({ server, load, cfg, expected, stats }) {
  for (let attempt = 0; ; attempt++) {
    const cpu0 = await server.ask('cpu')
    const r = await load.run(cfg)
    const cpu1 = await server.ask('cpu')
    const busy = (cpu1.cpuMicros - cpu0.cpuMicros) / (cpu1.wallMicros - cpu0.wallMicros)
    if (busy < MIN_BUSY && attempt < MAX_RETRIES) {
      stats.retries++
      continue
    }
    if (busy < MIN_BUSY) stats.unsaturated++
    stats.samples++
    const unexpected = Object.entries(r.statuses).filter(([code]) => Number(code) !== expected).reduce((n, [, k]) => n + k, 0)
    return {
      rps: r.rps,
      cpuUsPerReq: (cpu1.cpuMicros - cpu0.cpuMicros) / r.requests,
      serverBusy: busy,
      loadBusy: r.loadBusy,
      errors: r.errors + r.timeouts + unexpected,
      p99: r.latencyP99
    }
  }
}

async function abPhase ({ mode, servers, load, cfgOf, answers, log, stats }) {
  const scenarios = SCENARIOS.filter((s) => AB_SCENARIOS.includes(s.id))
  const contenders = AB_CONTENDERS.map((id) => ({ id }))
  const rps = {}
  for (const s of scenarios) {
    rps[s.id] = {}
    for (const c of contenders) rps[s.id][c.id] = []
  }
  let errors = 0
  for (let round = 0; round < mode.abRounds; round++) {
    for (const s of scenarios) {
      for (const c of rotate(contenders, round)) {
        const x = await sample({ server: servers[c.id], load, cfg: cfgOf(c, s, mode.abDuration), expected: answers[c.id][s.id].status, stats })
        errors += x.errors
        rps[s.id][c.id].push(x.rps)
      }
    }
  }
  log(`  A/B phase: ${mode.abRounds} rounds done`)
  const pairs = {}
  for (const p of AB_PAIRS) {
    const a = rps[p.scenario][p.a]
    const b = rps[p.scenario][p.b]
    const ratios = a.map((x, i) => x / b[i])
    pairs[p.id] = { ...p, median: median(ratios), min: min(ratios), max: max(ratios), aMedian: median(a), bMedian: median(b) }
  }
  return { rounds: mode.abRounds, duration: mode.abDuration, errors, pairs }
}

async function run ({ full, log = () => {} }) {
  const mode = full ? MODES.full : MODES.quick
  const servers = {}
  const load = await startLoad()
  try {
    for (const c of CONTENDERS) servers[c.id] = await startServer(c.id)
    servers[CONTROL] = await startServer('fastify')
    // what each contender answers
    const answers = {}
    for (const c of CONTENDERS) {
      answers[c.id] = {}
      for (const s of SCENARIOS) answers[c.id][s.id] = await probe(servers[c.id].port, s.method, s.probePath ?? s.path)
    }
    answers[CONTROL] = answers.fastify
    const cfgOf = (c, s, duration) => ({ port: servers[c.id].port, method: s.method, path: s.path, randomPath: s.randomPath, connections: CONNECTIONS, pipelining: PIPELINING, duration, warmup: 0 })
    for (const c of [...CONTENDERS, { id: CONTROL }]) {
      for (const s of SCENARIOS) await load.run(cfgOf(c, s, mode.warmup))
    }
    const samples = {}
    for (const c of CONTENDERS) {
      samples[c.id] = {}
      for (const s of SCENARIOS) samples[c.id][s.id] = []
    }
    const stats = { samples: 0, retries: 0, unsaturated: 0, minBusy: MIN_BUSY, maxRetries: MAX_RETRIES }
    for (let round = 0; round < mode.rounds; round++) {
      for (const s of SCENARIOS) {
        for (const c of rotate(CONTENDERS, round)) {
          samples[c.id][s.id].push(await sample({ server: servers[c.id], load, cfg: cfgOf(c, s, mode.duration), expected: answers[c.id][s.id].status, stats }))
        }
      }
      log(`  round ${round + 1}/${mode.rounds} done`)
    }
    const ab = await abPhase({ mode, servers, load, cfgOf, answers, log, stats })
    const table = {}
    for (const c of CONTENDERS) {
      table[c.id] = {}
      for (const s of SCENARIOS) {
        const list = samples[c.id][s.id]
        const base = samples.fastify[s.id]
        const ratios = list.map((x, i) => x.rps / base[i].rps)
        const cpuRatios = list.map((x, i) => base[i].cpuUsPerReq / x.cpuUsPerReq)
        table[c.id][s.id] = {
          answer: answers[c.id][s.id],
          rps: { median: median(list.map((x) => x.rps)), min: min(list.map((x) => x.rps)), max: max(list.map((x) => x.rps)) },
          ratio: { median: median(ratios), min: min(ratios), max: max(ratios) },
          cpuUsPerReq: median(list.map((x) => x.cpuUsPerReq)),
          cpuRatio: median(cpuRatios),
          serverBusy: median(list.map((x) => x.serverBusy)),
          loadBusy: median(list.map((x) => x.loadBusy)),
          errors: list.reduce((n, x) => n + x.errors, 0),
          samples: list.map((x) => Math.round(x.rps))
        }
      }
    }
    return { mode, connections: CONNECTIONS, pipelining: PIPELINING, contenders: CONTENDERS, scenarios: SCENARIOS, table, ab, stats }
  } finally {
    load.close()
    for (const s of Object.values(servers)) await s.close()
  }
}

if (require.main === module) {
  runStandalone(run, (r) => Object.fromEntries(r.contenders.map((c) => [c.id, Object.fromEntries(r.scenarios.map((s) => {
    const x = r.table[c.id][s.id]
    return [s.id, `${x.answer.status} ${Math.round(x.rps.median)} req/s ${x.ratio.median.toFixed(2)}x, ${x.cpuUsPerReq.toFixed(1)} us/req, busy ${x.serverBusy.toFixed(2)}, errors ${x.errors}`]
  }))])))
}

module.exports = { run, CONTENDERS, MODES, CONNECTIONS, PIPELINING }
