'use strict'

// `npm run bench` (quick mode) / `npm run bench -- --full`: runs every benchmark of this folder,
// prints a markdown report and writes it to benchmarks/results.md.
// Options: --full, --only=http,micro,startup,memory,body (a partial run does not write
// results.md unless --out is given), --out=<file>.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { snapshotPlugin } = require('./lib/plugin-snapshot')
const { detectPinning } = require('./lib/spawn')
const { kilo, ratio, mb } = require('./lib/stats')

/** Ratios in the targets table get three decimals: 1.104x must not read as 1.10x. */
function ratio3 (n) {
  return Number.isFinite(n) ? `${n.toFixed(3)}x` : 'n/a'
}

const SECTIONS = ['http', 'cpu', 'micro', 'startup', 'memory', 'body']
const ROOT = path.join(__dirname, '..')

function parseArgs (argv) {
  const args = { full: false, only: SECTIONS, out: null }
  for (const a of argv) {
    if (a === '--full') args.full = true
    else if (a.startsWith('--only=')) args.only = a.slice(7).split(',').filter(Boolean)
    else if (a.startsWith('--out=')) args.out = a.slice(6)
    else if (a === '--help' || a === '-h') {
      console.log('usage: node benchmarks/run.js [--full] [--only=' + SECTIONS.join(',') + '] [--out=file]')
      process.exit(0)
    } else throw new Error(`unknown argument ${a}`)
  }
  for (const s of args.only) if (!SECTIONS.includes(s)) throw new Error(`unknown section ${s}; sections: ${SECTIONS.join(', ')}`)
  if (args.out === null && args.only.length === SECTIONS.length) args.out = path.join(__dirname, 'results.md')
  return args
}

function version (name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version
  } catch {
    return 'not installed'
  }
}

function gitDescribe () {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib'], { cwd: ROOT, encoding: 'utf8' }).trim() !== ''
    return dirty ? `${head} + uncommitted lib/ changes` : head
  } catch {
    return 'unknown'
  }
}

function loadavg () {
  return os.loadavg().map((n) => n.toFixed(2)).join(' / ')
}

function environment (args) {
  const cpus = os.cpus()
  const pin = detectPinning()
  return {
    date: new Date().toISOString(),
    mode: args.full ? 'full' : 'quick',
    node: process.version,
    plugin: `${JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version} (git ${gitDescribe()})`,
    versions: ['fastify', 'fastify-allow', 'koa', '@koa/router', 'restify', 'autocannon', 'find-my-way'].map((n) => `${n} ${version(n)}`).join(', '),
    cpu: `${cpus[0] ? cpus[0].model : 'unknown'}, ${cpus.length} cores (os.availableParallelism ${os.availableParallelism()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`,
    pinning: pin.used ? `yes (${pin.reason})` : `no (${pin.reason})`
  }
}

// ---- verdicts ----

function verdict (ok) {
  return ok ? 'PASS' : 'MISS'
}

function targets (r) {
  const rows = []
  if (r.http) {
    const t = r.http.table
    const ours = t['fastify-allowed-methods']
    const pair = r.http.pairs
    const ab = r.http.ab.pairs
    const close = (p, main, control) => `${ratio3(p.median)} (A/B phase: ${r.http.ab.rounds} pairs, ${ratio3(p.min)}-${ratio3(p.max)}; main table ${ratio3(main)}${control ? `; null control, plain fastify vs a second plain fastify process: ${ratio3(control.median)} (${ratio3(control.min)}-${ratio3(control.max)})` : ''})`
    // the close calls are judged on server CPU per request, paired (the cpu section); req/s shown
    const judged = r.cpu ? () => 'info' : verdict
    const moved = r.cpu ? ' (req/s; judged on CPU per request, see the paired CPU targets)' : ''
    rows.push([`matched GET with fastify-allowed-methods >= 0.99x plain fastify${moved}`, close(ab.matchedVsPlain, ours.matched.ratio.median, ab.controlMatched), judged(ab.matchedVsPlain.median >= 0.99)])
    rows.push([`our 405 >= 1.0x plain fastify's own 404 for the same request${moved}`, close(ab.wrongVsPlain, ours.wrong.ratio.median, ab.controlWrong), judged(ab.wrongVsPlain.median >= 1.0)])
    rows.push(['our 405 >= 0.85x node:http hard-coded 405', close(ab.wrongVsNodeHttp, pair.vsNodeHttp.median), verdict(ab.wrongVsNodeHttp.median >= 0.85)])
    rows.push(["(not a target) our 405 on a new URL each time (memo of recent paths never hit) vs plain fastify's 404", `${ratio3(pair.freshVsPlain.median)} (rounds ${ratio3(pair.freshVsPlain.min)}-${ratio3(pair.freshVsPlain.max)}), vs node:http ${ratio3(pair.freshVsNodeHttp.median)}`, 'info'])
    rows.push(['405 path >= 6x fastify-allow', `${ratio3(pair.vsFastifyAllowWrong.median)} (rounds ${ratio3(pair.vsFastifyAllowWrong.min)}-${ratio3(pair.vsFastifyAllowWrong.max)})`, verdict(pair.vsFastifyAllowWrong.median >= 6)])
    rows.push(['unknown-path 404 >= 15x fastify-allow', `${ratio3(pair.vsFastifyAllowUnknown.median)} (rounds ${ratio3(pair.vsFastifyAllowUnknown.min)}-${ratio3(pair.vsFastifyAllowUnknown.max)})`, verdict(pair.vsFastifyAllowUnknown.median >= 15)])
    const ahead = pair.aheadOf
    rows.push(['ahead of restify and koa (every scenario)', `lowest ratio: ${ratio3(ahead.restify)} vs restify, ${ratio3(ahead.koa)} vs koa`, verdict(ahead.restify > 1 && ahead.koa > 1)])
    rows.push(...preHandlerTargets(r.http.preHandler, r.cpu !== undefined))
  }
  if (r.cpu) rows.push(...cpuTargets(r.cpu))
  if (r.micro) {
    const m = r.micro
    rows.push(['Allow computation: 10,000 vs 10 routes within 1.5x', `${ratio3(m.ratio10kVs10)} (worst of the two 405 URLs, median of per-round ratios)`, verdict(m.ratio10kVs10 <= 1.5)])
  }
  if (r.startup) {
    const s = r.startup
    rows.push(['startup (fastify() to ready()) with 10,000 routes <= 1.1x plain fastify', `${ratio3(s.ratios.cpu)} CPU time (wall ${ratio3(s.ratios.wall)})`, verdict(s.ratios.cpu <= 1.1)])
    rows.push(['heap after GC with 10,000 routes <= 1.1x plain fastify', `${ratio3(s.ratios.heap)} (heap held by the routes alone: ${ratio3(s.ratios.heapRoutes)})`, verdict(s.ratios.heap <= 1.1)])
  }
  if (r.memory) {
    const c = r.memory.results.find((x) => x.target)
    const ok = c.growth < 5 * 1048576 && c.errors === 0
    rows.push([`heap after GC grows < 5 MB under ${r.memory.amount.toLocaleString('en-US')} random unknown URLs${r.memory.amount < 1e6 ? ' (quick mode: fewer than 1,000,000)' : ''}`, `${mb(c.growth)} after ${c.requests.toLocaleString('en-US')} requests`, verdict(ok)])
  }
  if (r.body) {
    const c = r.body.results.find((x) => x.target)
    const ok = c.status === 405 && c.answeredDuring === 'trickle' && c.bodyBytesSentAtFirstByte < r.body.body && c.bodiesParsed === 0
    rows.push(['405 for a POST with a 50 MB body answers before the body is sent, body not read', `${c.status} after ${c.ttfbMs.toFixed(1)} ms, ${c.bodyBytesSentAtFirstByte.toLocaleString('en-US')} of ${r.body.body.toLocaleString('en-US')} body bytes sent; body parsed ${c.bodiesParsed} times`, verdict(ok)])
  }
  return rows
}

/**
 * The root-preHandler targets (issue 9): the 405 answered after an auth-like root preHandler vs
 * the 404 it replaces (plain fastify + the same hook, same request), and vs the same app's own
 * 404 on an unknown URL. If the hook did not run for the 405 (answered before it), the figure
 * does not measure the path the target is about: no verdict.
 */
function preHandlerTargets (ph, cpuJudged) {
  const p = ph.pairs
  const ran = ph.answers['fastify-allowed-methods-prehandler'].wrong.preHandlerRan
  const skipped = ran ? '' : '; **the preHandler did not run for this 405** (answered before it: not the path this target is about)'
  const judge = (ok) => (!ran ? 'n/a' : cpuJudged ? 'info' : verdict(ok))
  const range = (x) => `${ratio3(x.median)} (${ph.rounds} pairs, ${ratio3(x.min)}-${ratio3(x.max)})`
  return [
    ["405 with a root preHandler >= 0.95x plain fastify + the same hook's 404 for the same request",
      `${range(p.wrongVsPlain)}; vs plain fastify + hook's 404 on an unknown URL ${ratio3(p.wrongVsPlainUnknown.median)}; server CPU per request ${p.wrongVsPlain.aCpuUsPerReq.toFixed(1)} vs ${p.wrongVsPlain.bCpuUsPerReq.toFixed(1)} µs${skipped}`,
      judge(p.wrongVsPlain.median >= 0.95)],
    ["405 with a root preHandler >= 0.95x the same app's own 404 on an unknown URL",
      `${range(p.wrongVsOwnUnknown)}; server CPU per request ${p.wrongVsOwnUnknown.aCpuUsPerReq.toFixed(1)} vs ${p.wrongVsOwnUnknown.bCpuUsPerReq.toFixed(1)} µs${skipped}`,
      judge(p.wrongVsOwnUnknown.median >= 0.95)]
  ]
}

/**
 * The paired CPU targets (issue 13): server CPU time per request, both servers loaded at once.
 * A ratio <= its target passes; "within noise" (matched routes) also passes when the median is no
 * further above 1.00 than the null control's median is from 1.00.
 */
function cpuTargets (cpu) {
  const p = cpu.pairs
  const control = p.control
  const noise = control ? Math.abs(control.ratio.median - 1) : 0
  const rows = []
  const fmt = (x) => `${ratio3(x.ratio.median)} (${cpu.mode.rounds} pairs, ${ratio3(x.ratio.min)}-${ratio3(x.ratio.max)}); ${x.aCpuUsPerReq.median.toFixed(2)} vs ${x.bCpuUsPerReq.median.toFixed(2)} µs/req, paired difference ${signed(x.diffUs.median)} µs (${signed(x.diffUs.min)} to ${signed(x.diffUs.max)})${x.errors ? `; **${x.errors} unexpected responses**` : ''}`
  const row = (id, label, limit, withinNoise = false) => {
    const x = p[id]
    if (x === undefined) return
    const ok = x.ratio.median <= limit || (withinNoise && x.ratio.median <= limit + noise)
    rows.push([label, fmt(x) + (withinNoise && control ? `; null control ${ratio3(control.ratio.median)}` : ''), verdict(ok && x.errors === 0)])
  }
  row('matched', 'CPU per request: matched GET with the plugin <= 1.0x plain fastify (within noise)', 1.0, true)
  row('wrong', "CPU per request: our 405 <= 1.0x plain fastify's 404 for the same request", 1.0)
  row('options', "CPU per request: our automatic OPTIONS <= 1.0x plain fastify's 404 for the same request", 1.0)
  row('notImplemented', "CPU per request: our 501 <= 1.0x plain fastify's 404 for the same request", 1.0)
  row('preHandlerWrong', "CPU per request, root preHandler: our 405 <= 1.0x plain fastify + hook's 404 for the same request", 1.0)
  row('preHandlerMatched', 'CPU per request, root preHandler: matched GET <= 1.0x plain fastify + hook (within noise)', 1.0, true)
  row('errorHandler', 'CPU per request: 405 with useErrorHandler: true <= 1.2x the default 405', 1.2)
  for (const id of ['wrongFresh', 'unknown', 'subscribed']) {
    if (p[id]) rows.push([`(not a target) CPU per request: ${p[id].title}`, fmt(p[id]), 'info'])
  }
  return rows
}

function signed (n) {
  return `${n >= 0 ? '+' : ''}${n.toFixed(2)}`
}

// ---- markdown ----

function table (header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')
}

function answerLabel (a) {
  return a.status === 405 || a.allow ? `${a.status}, Allow: ${a.allow ?? 'none'}` : String(a.status)
}

function httpSection (h) {
  const { table: t, contenders, scenarios, mode } = h
  const out = []
  out.push(`## HTTP throughput\n\nreq/s, median of ${mode.rounds} rounds (min-max), and the median of the per-round ratio to plain fastify. ` +
    `autocannon, ${h.connections} connections, pipelining ${h.pipelining}, ${mode.duration} s per sample after a ${mode.warmup} s warm-up per scenario and contender. ` +
    'Same 1,007 routes everywhere. The status each contender answered is under the number. ' +
    `A sample in which the server got less than ${h.stats.minBusy} of a CPU (another process had it) was taken again, up to ${h.stats.maxRetries} times: ` +
    `${h.stats.retries} retries for ${h.stats.samples} samples, ${h.stats.unsaturated} samples still below.`)
  out.push(table(['contender', ...scenarios.map((s) => `${s.title}<br>\`${s.method} ${s.path}\``)], contenders.map((c) => [c.title, ...scenarios.map((s) => {
    const x = t[c.id][s.id]
    const err = x.errors > 0 ? ` **${x.errors} errors**` : ''
    return `${kilo(x.rps.median)} (${kilo(x.rps.min)}-${kilo(x.rps.max)}) **${ratio(x.ratio.median)}**<br>${answerLabel(x.answer)}${err}`
  })])))
  out.push('\nServer CPU time per request (µs, median; lower is better), ratio = plain fastify / contender, and the share of a CPU the server process got while loaded (1.00 = saturated; below that it waited for the load generator or for other processes):')
  out.push(table(['contender', ...scenarios.map((s) => s.title)], contenders.map((c) => [c.title, ...scenarios.map((s) => {
    const x = t[c.id][s.id]
    return `${x.cpuUsPerReq.toFixed(1)} µs ${ratio(x.cpuRatio)}, busy ${x.serverBusy.toFixed(2)}`
  })])))
  const ab = h.ab
  out.push(`The three close calls measured again in an A/B phase: plain fastify, a second plain fastify process (a null control: the same code on both sides), fastify-allowed-methods and node:http take turns (${ab.rounds} rounds of ${ab.duration} s samples) on \`GET /users/42\` and \`PATCH /users/42\`; ratio of samples taken seconds apart, median (min-max)${ab.errors ? `; **${ab.errors} unexpected responses**` : ''}:`)
  out.push(table(['comparison', 'request', 'req/s (medians)', 'ratio'], Object.values(ab.pairs).map((p) => [`${p.a} vs ${p.b}`, `\`${h.scenarios.find((s) => s.id === p.scenario).method} /users/42\``, `${kilo(p.aMedian)} vs ${kilo(p.bMedian)}`, `**${ratio3(p.median)}** (${ratio3(p.min)}-${ratio3(p.max)})`])))
  if (h.preHandler) out.push(preHandlerSection(h.preHandler))
  return out.join('\n\n')
}

function preHandlerSection (ph) {
  const out = []
  const request = (s) => `\`${s.method} ${s.path}\``
  const scenario = (id) => ph.scenarios.find((s) => s.id === id)
  const title = (id) => ph.contenders.find((c) => c.id === id).title
  out.push('### With a root preHandler\n\n' +
    `The same app with a root \`preHandler\` hook like an auth hook (it lets a request with \`authorization: ${ph.scenarios[0].headers.authorization}\` through, answers 401 to any other), added after the plugin; every request of the load carries that header. ` +
    `Both servers take turns on the three requests, ${ph.rounds} rounds of ${ph.duration} s samples, after the A/B phase${ph.errors ? `; **${ph.errors} unexpected responses**` : ''}. ` +
    '"hook ran": the hook\'s run counter moved for the probe with the header; "without the header": what an anonymous client gets.')
  out.push(table(['server', ...ph.scenarios.map((s) => request(s))], ph.contenders.map((c) => [c.title, ...ph.scenarios.map((s) => {
    const a = ph.answers[c.id][s.id]
    const x = ph.samples[s.id][c.id]
    return `${kilo(x.rps.median)} (${kilo(x.rps.min)}-${kilo(x.rps.max)}), ${x.cpuUsPerReq.toFixed(1)} µs/req<br>${answerLabel(a)}, hook ran: ${a.preHandlerRan ? 'yes' : '**no**'}<br>without the header: ${a.anonymous}`
  })])))
  out.push('Ratios of samples taken in the same round, median (min-max); CPU ratio = the second server\'s CPU time per request / the first\'s (above 1: the first costs less):')
  out.push(table(['comparison', 'req/s (medians)', 'req/s ratio', 'CPU µs/req (medians)', 'CPU ratio'], Object.values(ph.pairs).map((p) => [
    `${title(p.a)} ${request(scenario(p.scenario))} vs ${p.b === p.a ? 'the same server' : title(p.b)} ${request(scenario(p.bScenario ?? p.scenario))}`,
    `${kilo(p.aMedian)} vs ${kilo(p.bMedian)}`,
    `**${ratio3(p.median)}** (${ratio3(p.min)}-${ratio3(p.max)})`,
    `${p.aCpuUsPerReq.toFixed(1)} vs ${p.bCpuUsPerReq.toFixed(1)}`,
    `${ratio3(p.cpuRatio.median)} (${ratio3(p.cpuRatio.min)}-${ratio3(p.cpuRatio.max)})`
  ])))
  return out.join('\n\n')
}

function cpuSection (c) {
  const out = []
  out.push('## Server CPU time per request, paired\n\n' +
    'The two servers of each comparison are loaded at the same time, both pinned to the same CPU, each by its own autocannon process ' +
    `(${c.connections} connections, pipelining ${c.pipelining}) on the other CPU; each server's own CPU time (\`process.cpuUsage()\`) over a sample, divided by the responses it sent, makes one figure, ` +
    `and the two figures of a sample one pair: whatever slows the machine down hits both. ${c.mode.rounds} rounds of ${c.mode.duration} s samples, comparisons in rotating order, ` +
    `after a ${c.mode.warmup} s warm-up of every server on every request kind. Ratio = first / second (below 1.00: the first costs less); median of the paired ratios and differences, with their range. ` +
    `Pinning: ${c.pinning.used ? c.pinning.reason : 'not used (' + c.pinning.reason + ')'}. "busy": the share of a CPU the two servers got together (1.00: saturated).`)
  out.push(table(['comparison', 'answers', 'CPU µs/req (medians)', 'paired difference', 'ratio', 'busy'], Object.values(c.pairs).map((x) => [
    `${x.title}<br>${x.a.server} \`${x.a.request}\` vs ${x.b.server} \`${x.b.request}\``,
    `${answerLabel(x.a.answer)} vs ${answerLabel(x.b.answer)}`,
    `${x.aCpuUsPerReq.median.toFixed(2)} vs ${x.bCpuUsPerReq.median.toFixed(2)}`,
    `${signed(x.diffUs.median)} µs (${signed(x.diffUs.min)} to ${signed(x.diffUs.max)})`,
    `**${ratio3(x.ratio.median)}** (${ratio3(x.ratio.min)}-${ratio3(x.ratio.max)})${x.errors ? ` **${x.errors} unexpected responses**` : ''}`,
    x.busy.median.toFixed(2)
  ])))
  return out.join('\n\n')
}

function microSection (m) {
  const names = Object.keys(m.urls)
  return `## Allow computation (\`fastify.allowedMethods(url)\`)\n\nns per call (process CPU time), median over ${m.rounds} rounds x ${m.reps} processes of ${m.batchSize}-call batches, all three apps in one process and timed in alternation. \`<n>\`: each batch cycles through ${(m.variants ?? 0).toLocaleString('en-US')} distinct URLs (0 to ${(m.variants ?? 0) - 1}), more than the plugin remembers, so that every call probes the router; the last column repeats one URL (the answer is remembered).\n\n` +
    table(['routes', ...names.map((n) => `\`${m.urls[n].url}\` (${m.urls[n].expect || 'no methods: 404'})`)], Object.keys(m.sizes).map((size) => [Number(size).toLocaleString('en-US'), ...names.map((n) => {
      const x = m.sizes[size][n]
      return `${x.cpuNs.toFixed(0)} ns (${x.minCpuNs.toFixed(0)}-${x.maxCpuNs.toFixed(0)})`
    })]).concat([['10,000 / 10', ...names.map((n) => `${ratio(m.ratios[n].median)} (${ratio(m.ratios[n].min)}-${ratio(m.ratios[n].max)})`)]])) +
    (m.hiddenOnly === undefined
      ? ''
      : `\n\nA URL served only by a hidden route (\`config.allow.hide: true\`, \`${m.hiddenOnly.urls.hiddenOnly}\`) against an unknown URL (\`${m.hiddenOnly.urls.unknown}\`), same app, timed in alternation, new URL each call: ${m.hiddenOnly.hiddenOnlyNs.toFixed(0)} ns vs ${m.hiddenOnly.unknownNs.toFixed(0)} ns; paired difference ${m.hiddenOnly.diffNs.median.toFixed(0)} ns (${m.hiddenOnly.diffNs.min.toFixed(0)} to ${m.hiddenOnly.diffNs.max.toFixed(0)}). A repeated path costs the same for both (the memo of recent paths keeps the empty answer).`)
}

function startupSection (s) {
  const row = (name, v) => [name, `${v.cpuMs.median.toFixed(0)} ms (${v.cpuMs.min.toFixed(0)}-${v.cpuMs.max.toFixed(0)})`, `${v.wallMs.median.toFixed(0)} ms (${v.wallMs.min.toFixed(0)}-${v.wallMs.max.toFixed(0)})`, mb(v.heapAfter.median), mb(v.heapRoutes.median)]
  return `## Startup and heap with ${s.routes.toLocaleString('en-US')} routes\n\nfastify() + register + routes + ready(), fresh process per run (--expose-gc), ${s.reps} runs each, alternating; medians (min-max). Heap after GC once ready; "held by the app" is that minus the heap before building it.\n\n` +
    table(['', 'CPU time', 'wall time', 'heap after GC', 'heap held by the app'], [row('plain fastify', s.variants.plain), row('fastify + fastify-allowed-methods', s.variants['allowed-methods']),
      ['ratio', ratio(s.ratios.cpu), ratio(s.ratios.wall), ratio(s.ratios.heap), ratio(s.ratios.heapRoutes)]]) +
    (s.require === undefined ? '' : '\n\n' + require('./require-time').section(s.require))
}

function memorySection (m) {
  return `## Heap under ${m.amount.toLocaleString('en-US')} requests to never-repeating URLs\n\nServer process with --expose-gc; heap after GC read after a 20,000-request warm-up of the same traffic, then after the run. autocannon over TCP, 10 connections, pipelining 10.\n\n` +
    table(['case', 'requests', 'statuses', 'heap before', 'heap after', 'growth'], m.results.map((c) => [c.title, c.requests.toLocaleString('en-US'), Object.entries(c.statuses).map(([k, v]) => `${k}: ${v}`).join(', ') + (c.errors ? ` (**${c.errors} errors**)` : ''), mb(c.heapBefore), mb(c.heapAfter), mb(c.growth)]))
}

function bodySection (b) {
  return `## POST with a ${mb(b.body)} body to a GET/PUT/DELETE URL\n\nRaw socket: request head, then the body trickled (${b.chunk / 1024} KB every ${b.intervalMs} ms); if nothing came back within ${b.patienceMs} ms, the rest of the body at full speed. bodyLimit ${mb(b.bodyLimit)} and an application/octet-stream parser on every server (an app that accepts uploads). Time to first byte from the end of the request head.\n\n` +
    table(['server', 'answer', 'time to first byte', 'body bytes sent by then', 'bodies parsed', 'socket bytes read when it answered'], b.results.map((c) => [c.title, `${c.status}${c.allow ? `, Allow: ${c.allow}` : ''}`, `${c.ttfbMs.toFixed(1)} ms`, `${c.bodyBytesSentAtFirstByte.toLocaleString('en-US')}${c.answeredDuring === 'trickle' ? '' : ' (whole body)'}`, String(c.bodiesParsed), c.socketBytesReadAtResponse === null ? 'n/a' : c.socketBytesReadAtResponse.toLocaleString('en-US')]))
}

function report (env, r, loads) {
  const out = []
  out.push(`# fastify-allowed-methods benchmark results\n\nGenerated by \`npm run bench${env.mode === 'full' ? ' -- --full' : ''}\` (${env.mode} mode). See benchmarks/README.md for the method.`)
  out.push(table(['', ''], [
    ['date', env.date], ['mode', env.mode], ['Node', env.node], ['fastify-allowed-methods', env.plugin], ['packages', env.versions],
    ['machine', env.cpu], ['CPU pinning', env.pinning], ['load average (1/5/15 min) per section', loads.map(([s, before, after]) => `${s}: ${before} -> ${after}`).join('<br>')]
  ]))
  out.push('## Targets\n\n' + table(['target', 'measured', 'verdict'], targets(r)))
  if (r.http) out.push(httpSection(r.http))
  if (r.cpu) out.push(cpuSection(r.cpu))
  if (r.micro) out.push(microSection(r.micro))
  if (r.startup) out.push(startupSection(r.startup))
  if (r.memory) out.push(memorySection(r.memory))
  if (r.body) out.push(bodySection(r.body))
  return out.join('\n\n') + '\n'
}

// ---- ratios between contenders, per round ----

function pairStats (table, a, b, scenario) {
  const x = table[a][scenario].samples
  const y = table[b][scenario].samples
  const { median, min, max } = require('./lib/stats')
  const ratios = x.map((v, i) => v / y[i])
  return { median: median(ratios), min: min(ratios), max: max(ratios) }
}

function addPairs (http) {
  const t = http.table
  const ours = 'fastify-allowed-methods'
  const aheadOf = {}
  for (const other of ['restify', 'koa']) {
    aheadOf[other] = Math.min(...http.scenarios.map((s) => pairStats(t, ours, other, s.id).median))
  }
  http.pairs = {
    vsNodeHttp: pairStats(t, ours, 'node-http', 'wrong'),
    freshVsPlain: pairStats(t, ours, 'fastify', 'wrongFresh'),
    freshVsNodeHttp: pairStats(t, ours, 'node-http', 'wrongFresh'),
    vsFastifyAllowWrong: pairStats(t, ours, 'fastify-allow', 'wrong'),
    vsFastifyAllowUnknown: pairStats(t, ours, 'fastify-allow', 'unknown'),
    aheadOf
  }
  return http
}

async function main () {
  const args = parseArgs(process.argv.slice(2))
  snapshotPlugin()
  const env = environment(args)
  const log = (...m) => console.error(...m)
  log(`fastify-allowed-methods benchmarks, ${env.mode} mode; CPU pinning: ${env.pinning}`)
  if (os.loadavg()[0] > 1) log(`note: load average ${loadavg()} on ${os.cpus().length} CPUs: other processes are running, numbers will be noisier`)
  const r = {}
  const loads = []
  const runners = {
    http: () => require('./http-throughput').run({ full: args.full, log }).then(addPairs),
    cpu: () => require('./cpu-paired').run({ full: args.full, log }),
    micro: () => require('./micro-allow').run({ full: args.full }),
    startup: () => require('./startup-heap').run({ full: args.full }),
    memory: () => require('./memory-random-urls').run({ full: args.full }),
    body: () => require('./big-body').run()
  }
  for (const section of SECTIONS) {
    if (!args.only.includes(section)) continue
    const before = loadavg()
    const t0 = Date.now()
    log(`[${section}] running...`)
    r[section] = await runners[section]()
    loads.push([section, before, loadavg()])
    log(`[${section}] done in ${((Date.now() - t0) / 1000).toFixed(0)} s`)
  }
  const md = report(env, r, loads)
  console.log(md)
  if (args.out) {
    fs.writeFileSync(args.out, md)
    fs.writeFileSync(args.out.replace(/\.md$/, '') + '.json', JSON.stringify({ env, loads, results: r }, null, 1) + '\n')
    log(`written to ${path.relative(process.cwd(), args.out)}`)
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
