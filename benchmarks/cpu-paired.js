'use strict'

// Server CPU time per request, paired (issue 13). The two servers of a comparison are loaded at
// the same time, both pinned to the same CPU (CPU 0 when taskset works), each by its own load
// generator process (both on CPU 1): whatever slows the machine down during a sample (the host's
// other tenants, frequency changes, another process) hits both servers alike. Per sample, each
// server's own CPU time (process.cpuUsage(), read over IPC before and after) is divided by the
// responses it sent; the two figures of a sample make one pair, and the median of the paired
// differences and ratios over the rounds is reported with their range. CPU time does not count the
// time a server waited for the CPU, so the figure does not depend on which server got more of it.

const { startServer, startLoad, detectPinning } = require('./lib/spawn')
const { probe } = require('./lib/probe')
const { runStandalone } = require('./lib/child')
const { SCENARIOS, AUTH_HEADERS } = require('./lib/routes')
const { median, min, max } = require('./lib/stats')

const MODES = {
  quick: { rounds: 5, duration: 2, warmup: 1, leadIn: 2 },
  full: { rounds: 11, duration: 3, warmup: 2, leadIn: 3 }
}

const CONNECTIONS = 10
const PIPELINING = 10

/** The servers of this phase: a script of servers/ and its options. */
const SERVERS = {
  plain: { script: 'fastify', title: 'plain fastify' },
  control: { script: 'fastify', title: 'a second plain fastify process' },
  ours: { script: 'fastify-allowed-methods', title: 'fastify + fastify-allowed-methods' },
  oursSubscribed: { script: 'fastify-allowed-methods', options: { subscribe: true }, title: 'fastify + fastify-allowed-methods, a subscriber on its answer channel' },
  oursErrorHandler: { script: 'fastify-allowed-methods', options: { pluginOptions: { useErrorHandler: true } }, title: 'fastify + fastify-allowed-methods, useErrorHandler: true' },
  plainPreHandler: { script: 'fastify-prehandler', title: 'plain fastify + root preHandler' },
  oursPreHandler: { script: 'fastify-allowed-methods-prehandler', title: 'fastify + fastify-allowed-methods + root preHandler' }
}

const scenario = (id) => SCENARIOS.find((s) => s.id === id)
/** A method fastify does not support: plain fastify answers 404, the plugin 501. */
const NOT_IMPLEMENTED = { id: 'notImplemented', title: 'unsupported method', method: 'PURGE', path: '/users/42' }
const withAuth = (s) => ({ ...s, headers: AUTH_HEADERS })
const WARMUP_SCENARIOS = [...SCENARIOS, NOT_IMPLEMENTED]

/**
 * The comparisons: `a` is measured against `b`, ratio = a's CPU per request / b's (below 1: a
 * costs less). `target`: the highest median ratio that meets the target (null: shown, not
 * judged; 'control': the null control, the same code on both sides).
 */
const PAIRS = [
  { id: 'control', title: 'null control: plain fastify vs a second plain fastify process, both 404', a: ['control', scenario('wrong')], b: ['plain', scenario('wrong')], target: 'control' },
  { id: 'matched', title: 'matched GET: with the plugin vs plain fastify', a: ['ours', scenario('matched')], b: ['plain', scenario('matched')], target: 1.0 },
  { id: 'wrong', title: "405 vs plain fastify's 404 (same request)", a: ['ours', scenario('wrong')], b: ['plain', scenario('wrong')], target: 1.0 },
  { id: 'options', title: "automatic OPTIONS (204) vs plain fastify's 404 (same request)", a: ['ours', scenario('options')], b: ['plain', scenario('options')], target: 1.0 },
  { id: 'notImplemented', title: "501 vs plain fastify's 404 (same request)", a: ['ours', NOT_IMPLEMENTED], b: ['plain', NOT_IMPLEMENTED], target: 1.0 },
  { id: 'wrongFresh', title: "405 on a new URL each time (memo never hit) vs plain fastify's 404", a: ['ours', scenario('wrongFresh')], b: ['plain', scenario('wrongFresh')], target: null },
  { id: 'unknown', title: "unknown URL: the plugin's 404 vs plain fastify's 404", a: ['ours', scenario('unknown')], b: ['plain', scenario('unknown')], target: null },
  { id: 'preHandlerWrong', title: "with a root preHandler: 405 vs plain fastify + hook's 404 (same request)", a: ['oursPreHandler', withAuth(scenario('wrong'))], b: ['plainPreHandler', withAuth(scenario('wrong'))], target: 1.0 },
  { id: 'preHandlerMatched', title: 'with a root preHandler: matched GET vs plain fastify + hook', a: ['oursPreHandler', withAuth(scenario('matched'))], b: ['plainPreHandler', withAuth(scenario('matched'))], target: 1.0 },
  { id: 'subscribed', title: 'a subscriber on the answer channel vs none (405, same request)', a: ['oursSubscribed', scenario('wrong')], b: ['ours', scenario('wrong')], target: null },
  { id: 'errorHandler', title: 'useErrorHandler: true vs the default answer (405, same request)', a: ['oursErrorHandler', scenario('wrong')], b: ['ours', scenario('wrong')], target: 1.2 }
]

/** One paired sample: both servers loaded at once, each by its own generator. */
async function pairedSample (sides, duration) {
  const before = await Promise.all(sides.map((s) => s.server.ask('cpu')))
  const results = await Promise.all(sides.map((s) => s.load.run({ ...s.cfg, duration, warmup: 0 })))
  const after = await Promise.all(sides.map((s) => s.server.ask('cpu')))
  return sides.map((s, i) => {
    const r = results[i]
    const cpu = after[i].cpuMicros - before[i].cpuMicros
    const unexpected = Object.entries(r.statuses).filter(([code]) => Number(code) !== s.expected).reduce((n, [, k]) => n + k, 0)
    return {
      cpuUsPerReq: cpu / r.requests,
      busy: cpu / (after[i].wallMicros - before[i].wallMicros),
      rps: r.rps,
      errors: r.errors + r.timeouts + unexpected
    }
  })
}

function summary (values) {
  return { median: median(values), min: min(values), max: max(values) }
}

/** `BENCH_PAIRS=wrong,errorHandler node benchmarks/cpu-paired.js`: some comparisons only (while working on one). */
function selectedPairs () {
  const only = process.env.BENCH_PAIRS ? process.env.BENCH_PAIRS.split(',') : null
  return only === null ? PAIRS : PAIRS.filter((p) => only.includes(p.id))
}

async function run ({ full, log = () => {} }) {
  const mode = full ? MODES.full : MODES.quick
  const PAIRS = selectedPairs()
  const loads = [await startLoad(), await startLoad()]
  let servers = {}
  const closeServers = async () => {
    for (const s of Object.values(servers)) await s.close()
    servers = {}
  }
  try {
    const sideOf = ([serverId, s], load) => ({ serverId, scenario: s, server: servers[serverId], load, cfg: { port: servers[serverId].port, method: s.method, path: s.path, randomPath: s.randomPath, ...(s.headers ? { headers: s.headers } : {}), connections: CONNECTIONS, pipelining: PIPELINING } })
    const answers = {}
    const samples = Object.fromEntries(PAIRS.map((p) => [p.id, []]))
    // Each comparison has its own two server processes, started together, warmed up together and
    // measured round after round, then closed: both come to every sample with the same history.
    // Servers kept for the whole phase and compared in turn did not: one that sat idle while other
    // comparisons ran (the null control's second process, the subscriber's server) came back
    // with a shrunk young generation and colder caches, and read up to 1.5x the CPU per request of
    // one busy in every round, on the same code (the null control read 1.13x in such a run).
    for (const p of PAIRS) {
      for (const [serverId] of [p.a, p.b]) {
        const s = SERVERS[serverId]
        servers[serverId] = await startServer(s.script, { options: s.options ?? {} })
      }
      answers[p.id] = {}
      for (const [key, [serverId, s]] of [['a', p.a], ['b', p.b]]) {
        answers[p.id][key] = await probe(servers[serverId].port, s.method, s.probePath ?? s.path, s.headers)
      }
      // warm-up: both servers take every request kind, at the same time, so that neither comes
      // to the rounds with a JIT tuned to fewer kinds of request than the other
      for (const s of WARMUP_SCENARIOS) {
        await Promise.all([p.a, p.b].map(([serverId], i) => {
          const x = sideOf([serverId, SERVERS[serverId].script.endsWith('prehandler') ? withAuth(s) : s], loads[i])
          return x.load.run({ ...x.cfg, duration: mode.warmup, warmup: 0 })
        }))
      }
      // a lead-in on the compared request, both loaded at once, not measured
      await Promise.all([sideOf(p.a, loads[0]), sideOf(p.b, loads[1])].map((x) => x.load.run({ ...x.cfg, duration: mode.leadIn, warmup: 0 })))
      for (let round = 0; round < mode.rounds; round++) {
        // which generator drives which side alternates from round to round
        const swap = round % 2 === 1
        const sides = [sideOf(p.a, loads[swap ? 1 : 0]), sideOf(p.b, loads[swap ? 0 : 1])]
        sides[0].expected = answers[p.id].a.status
        sides[1].expected = answers[p.id].b.status
        const [a, b] = await pairedSample(sides, mode.duration)
        samples[p.id].push({ a, b })
      }
      await closeServers()
      log(`  paired CPU: ${p.id} done (${mode.rounds} rounds)`)
    }
    const pairs = {}
    for (const p of PAIRS) {
      const list = samples[p.id]
      pairs[p.id] = {
        id: p.id,
        title: p.title,
        target: p.target,
        a: { server: SERVERS[p.a[0]].title, request: `${p.a[1].method} ${p.a[1].path}`, answer: answers[p.id].a },
        b: { server: SERVERS[p.b[0]].title, request: `${p.b[1].method} ${p.b[1].path}`, answer: answers[p.id].b },
        aCpuUsPerReq: summary(list.map((x) => x.a.cpuUsPerReq)),
        bCpuUsPerReq: summary(list.map((x) => x.b.cpuUsPerReq)),
        diffUs: summary(list.map((x) => x.a.cpuUsPerReq - x.b.cpuUsPerReq)),
        ratio: summary(list.map((x) => x.a.cpuUsPerReq / x.b.cpuUsPerReq)),
        busy: summary(list.map((x) => x.a.busy + x.b.busy)),
        rps: { a: median(list.map((x) => x.a.rps)), b: median(list.map((x) => x.b.rps)) },
        errors: list.reduce((n, x) => n + x.a.errors + x.b.errors, 0)
      }
    }
    return { mode, connections: CONNECTIONS, pipelining: PIPELINING, pinning: detectPinning(), pairs }
  } finally {
    for (const l of loads) l.close()
    await closeServers()
  }
}

if (require.main === module) {
  runStandalone(run, (r) => Object.fromEntries(Object.values(r.pairs).map((p) => [p.id,
    `${p.a.answer.status} vs ${p.b.answer.status}: ${p.aCpuUsPerReq.median.toFixed(2)} vs ${p.bCpuUsPerReq.median.toFixed(2)} us/req, diff ${p.diffUs.median.toFixed(2)} (${p.diffUs.min.toFixed(2)} to ${p.diffUs.max.toFixed(2)}), ratio ${p.ratio.median.toFixed(3)} (${p.ratio.min.toFixed(3)}-${p.ratio.max.toFixed(3)}), busy ${p.busy.median.toFixed(2)}, errors ${p.errors}`])))
}

module.exports = { run, PAIRS, SERVERS, MODES }
