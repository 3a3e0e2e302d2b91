'use strict'

// HTTP throughput: six contenders serving the same route set, each in its own process (pinned to
// CPU 0 when taskset works), one autocannon load generator process (CPU 1). All servers are started
// first and warmed up; then, round after round, every scenario is run against every contender in
// turn (order rotated each round), so that the samples compared with each other are seconds apart.
// Per sample: req/s, and the server's own CPU time per request. Ratios vs plain fastify are taken
// per round (same scenario, same round) and their median is reported.

const { startServer, startLoad } = require('./lib/spawn')
const { probe } = require('./lib/probe')
const { runStandalone } = require('./lib/child')
const { SCENARIOS, PREHANDLER_SCENARIOS } = require('./lib/routes')
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

// The root-preHandler phase (issue 9): the same app with an auth-like root preHandler that lets the
// request through (every request carries its header), without and with the plugin. Fastify runs
// root preHandlers for its 404, so the plugin's 405 is answered after that hook too: this phase
// compares that 405 with the 404 it replaces (plain fastify + the same hook, same request), with
// the same app's own 404 on an unknown URL, and with plain fastify + hook's 404 on that URL. Run
// like the A/B phase (same rounds and sample length), after it, with these servers only. A pair
// may compare two requests (`bScenario`): samples of the same round, seconds apart.
const PH_PLAIN = 'fastify-prehandler'
const PH_OURS = 'fastify-allowed-methods-prehandler'
const PH_CONTENDERS = [
  { id: PH_PLAIN, title: 'plain fastify + root preHandler' },
  { id: PH_OURS, title: 'fastify + fastify-allowed-methods + root preHandler' }
]
const PH_PAIRS = [
  { id: 'wrongVsPlain', scenario: 'wrong', a: PH_OURS, b: PH_PLAIN },
  { id: 'wrongVsOwnUnknown', scenario: 'wrong', a: PH_OURS, b: PH_OURS, bScenario: 'unknown' },
  { id: 'wrongVsPlainUnknown', scenario: 'wrong', a: PH_OURS, b: PH_PLAIN, bScenario: 'unknown' },
  { id: 'unknownVsPlain', scenario: 'unknown', a: PH_OURS, b: PH_PLAIN },
  { id: 'matchedVsPlain', scenario: 'matched', a: PH_OURS, b: PH_PLAIN }
]

const CONNECTIONS = 10
const PIPELINING = 10

/** "405, Allow: GET, HEAD" or "404", as in the report's tables. */
function answerLabel (a) {
  return a.status === 405 || a.allow ? `${a.status}, Allow: ${a.allow ?? 'none'}` : String(a.status)
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

/**
 * Paired rounds on a few servers: round after round, every scenario is sent to every contender in
 * turn (order rotated each round), `rounds` samples of `duration` s each. A pair's ratio is taken
 * per round (a / b, req/s) and its median reported; so is the ratio of the server CPU time per
 * request (b / a: above 1, a costs less).
 */
async function abPhase ({ rounds, duration, contenderIds, scenarios, pairList, name, servers, load, cfgOf, answers, log, stats }) {
  const contenders = contenderIds.map((id) => ({ id }))
  const rps = {}
  const cpu = {}
  for (const s of scenarios) {
    rps[s.id] = {}
    cpu[s.id] = {}
    for (const c of contenders) {
      rps[s.id][c.id] = []
      cpu[s.id][c.id] = []
    }
  }
  let errors = 0
  for (let round = 0; round < rounds; round++) {
    for (const s of scenarios) {
      for (const c of rotate(contenders, round)) {
        const x = await sample({ server: servers[c.id], load, cfg: cfgOf(c, s, duration), expected: answers[c.id][s.id].status, stats })
        errors += x.errors
        rps[s.id][c.id].push(x.rps)
        cpu[s.id][c.id].push(x.cpuUsPerReq)
      }
    }
  }
  log(`  ${name}: ${rounds} rounds done`)
  const pairs = {}
  for (const p of pairList) {
    const bScenario = p.bScenario ?? p.scenario
    const a = rps[p.scenario][p.a]
    const b = rps[bScenario][p.b]
    const ratios = a.map((x, i) => x / b[i])
    const aCpu = cpu[p.scenario][p.a]
    const bCpu = cpu[bScenario][p.b]
    const cpuRatios = aCpu.map((x, i) => bCpu[i] / x)
    pairs[p.id] = {
      ...p,
      median: median(ratios),
      min: min(ratios),
      max: max(ratios),
      aMedian: median(a),
      bMedian: median(b),
      aCpuUsPerReq: median(aCpu),
      bCpuUsPerReq: median(bCpu),
      cpuRatio: { median: median(cpuRatios), min: min(cpuRatios), max: max(cpuRatios) }
    }
  }
  const samples = {}
  for (const s of scenarios) {
    samples[s.id] = {}
    for (const c of contenders) {
      const list = rps[s.id][c.id]
      samples[s.id][c.id] = { rps: { median: median(list), min: min(list), max: max(list) }, cpuUsPerReq: median(cpu[s.id][c.id]) }
    }
  }
  return { rounds, duration, errors, pairs, samples }
}

async function run ({ full, log = () => {} }) {
  const mode = full ? MODES.full : MODES.quick
  const servers = {}
  const load = await startLoad()
  try {
    for (const c of CONTENDERS) servers[c.id] = await startServer(c.id)
    servers[CONTROL] = await startServer('fastify')
    for (const c of PH_CONTENDERS) servers[c.id] = await startServer(c.id)
    // what each contender answers
    const answers = {}
    for (const c of CONTENDERS) {
      answers[c.id] = {}
      for (const s of SCENARIOS) answers[c.id][s.id] = await probe(servers[c.id].port, s.method, s.probePath ?? s.path)
    }
    answers[CONTROL] = answers.fastify
    // the root-preHandler servers: what they answer with the hook's header, without it (the hook
    // should answer 401 for every request, the plugin's 405 included), and whether the hook ran
    // for the answer with the header (its run counter, read before and after the probe)
    for (const c of PH_CONTENDERS) {
      answers[c.id] = {}
      for (const s of PREHANDLER_SCENARIOS) {
        const before = (await servers[c.id].ask('stats')).preHandlerRuns
        const answer = await probe(servers[c.id].port, s.method, s.path, s.headers)
        const after = (await servers[c.id].ask('stats')).preHandlerRuns
        const anonymous = await probe(servers[c.id].port, s.method, s.path)
        answers[c.id][s.id] = { ...answer, preHandlerRan: after - before === 1, anonymous: answerLabel(anonymous) }
      }
    }
    const cfgOf = (c, s, duration) => ({ port: servers[c.id].port, method: s.method, path: s.path, randomPath: s.randomPath, ...(s.headers ? { headers: s.headers } : {}), connections: CONNECTIONS, pipelining: PIPELINING, duration, warmup: 0 })
    for (const c of [...CONTENDERS, { id: CONTROL }]) {
      for (const s of SCENARIOS) await load.run(cfgOf(c, s, mode.warmup))
    }
    for (const c of PH_CONTENDERS) {
      for (const s of PREHANDLER_SCENARIOS) await load.run(cfgOf(c, s, mode.warmup))
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
    const ab = await abPhase({
      rounds: mode.abRounds,
      duration: mode.abDuration,
      contenderIds: AB_CONTENDERS,
      scenarios: SCENARIOS.filter((s) => AB_SCENARIOS.includes(s.id)),
      pairList: AB_PAIRS,
      name: 'A/B phase',
      servers,
      load,
      cfgOf,
      answers,
      log,
      stats
    })
    const preHandler = await abPhase({
      rounds: mode.abRounds,
      duration: mode.abDuration,
      contenderIds: PH_CONTENDERS.map((c) => c.id),
      scenarios: PREHANDLER_SCENARIOS,
      pairList: PH_PAIRS,
      name: 'root-preHandler phase',
      servers,
      load,
      cfgOf,
      answers,
      log,
      stats
    })
    preHandler.contenders = PH_CONTENDERS
    preHandler.scenarios = PREHANDLER_SCENARIOS
    preHandler.answers = Object.fromEntries(PH_CONTENDERS.map((c) => [c.id, answers[c.id]]))
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
    return { mode, connections: CONNECTIONS, pipelining: PIPELINING, contenders: CONTENDERS, scenarios: SCENARIOS, table, ab, preHandler, stats }
  } finally {
    load.close()
    for (const s of Object.values(servers)) await s.close()
  }
}

if (require.main === module) {
  runStandalone(run, (r) => ({
    ...Object.fromEntries(r.contenders.map((c) => [c.id, Object.fromEntries(r.scenarios.map((s) => {
      const x = r.table[c.id][s.id]
      return [s.id, `${x.answer.status} ${Math.round(x.rps.median)} req/s ${x.ratio.median.toFixed(2)}x, ${x.cpuUsPerReq.toFixed(1)} us/req, busy ${x.serverBusy.toFixed(2)}, errors ${x.errors}`]
    }))])),
    preHandler: Object.fromEntries(Object.values(r.preHandler.pairs).map((p) => [p.id, `${p.median.toFixed(3)}x (${p.min.toFixed(3)}-${p.max.toFixed(3)})`]))
  }))
}

module.exports = { run, CONTENDERS, PH_CONTENDERS, MODES, CONNECTIONS, PIPELINING }
