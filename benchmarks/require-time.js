'use strict'

// What a bare `require('fastify-allowed-methods')` costs: the time of the require() call and the
// heap it leaves (after GC), in a fresh process each time (--expose-gc), for this build and for
// the build "before" lazy loading (issue 11, item 4; commit 9c0bd48 by default, or
// BENCH_BEFORE_COMMIT). The before build is compiled once from `git archive` into
// benchmarks/.tmp/before-<commit>/ (its dependencies resolve from this repository's node_modules).
// Builds alternate, several processes each; medians (min-max).

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { runChild } = require('./lib/spawn')
const { sendResult, runStandalone } = require('./lib/child')
const { median, min, max } = require('./lib/stats')

const ROOT = path.join(__dirname, '..')
const BEFORE_COMMIT = process.env.BENCH_BEFORE_COMMIT || '9c0bd48'

function gcHeap () {
  for (let i = 0; i < 4; i++) global.gc()
  return process.memoryUsage().heapUsed
}

/** In the child: require() the build in `dir`, timed, and the heap it adds after GC. */
async function measure (dir) {
  if (typeof global.gc !== 'function') throw new Error('run with --expose-gc')
  const entry = path.join(dir, 'index.js')
  const modulesBefore = Object.keys(require.cache).length
  const heapBefore = gcHeap()
  const t0 = process.hrtime.bigint()
  const plugin = require(entry)
  const t1 = process.hrtime.bigint()
  if (typeof plugin !== 'function') throw new Error(`${entry} does not export the plugin`)
  const heapAfter = gcHeap()
  const loaded = Object.keys(require.cache).slice(modulesBefore)
  return {
    requireMs: Number(t1 - t0) / 1e6,
    heapAfter,
    heapAdded: heapAfter - heapBefore,
    modules: loaded.length,
    packages: [...new Set(loaded.map((f) => /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(f)?.[1]).filter(Boolean))].sort()
  }
}

/** The dist/ of `commit`, compiled once into benchmarks/.tmp/before-<commit>/dist. */
function buildBefore (commit) {
  const dir = path.join(__dirname, '.tmp', `before-${commit}`)
  const dist = path.join(dir, 'dist')
  if (fs.existsSync(path.join(dist, 'index.js'))) return dist
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  const archive = execFileSync('git', ['archive', '--format=tar', commit, 'lib', 'tsconfig.json', 'tsconfig.build.json'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 })
  execFileSync('tar', ['-x', '-C', dir], { input: archive })
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' })
  return dist
}

function currentBuild () {
  const dist = process.env.BENCH_PLUGIN_DIR || path.join(ROOT, 'dist')
  if (!fs.existsSync(path.join(dist, 'index.js'))) throw new Error(`${dist}/index.js not found: run \`npm run build\` first`)
  return dist
}

async function run ({ full }) {
  const processes = full ? 31 : 15
  const builds = { before: buildBefore(BEFORE_COMMIT), now: currentBuild() }
  const names = Object.keys(builds)
  const runs = Object.fromEntries(names.map((n) => [n, []]))
  for (let rep = 0; rep < processes; rep++) {
    const order = rep % 2 === 0 ? names : names.slice().reverse()
    for (const name of order) {
      runs[name].push(await runChild(__filename, { args: ['--child', builds[name]], execArgv: ['--expose-gc'] }))
    }
  }
  const summary = { processes, beforeCommit: BEFORE_COMMIT, builds: {} }
  for (const name of names) {
    const r = runs[name]
    const pick = (key) => ({ median: median(r.map((x) => x[key])), min: min(r.map((x) => x[key])), max: max(r.map((x) => x[key])) })
    summary.builds[name] = { requireMs: pick('requireMs'), heapAfter: pick('heapAfter'), heapAdded: pick('heapAdded'), modules: r[0].modules, packages: r[0].packages }
  }
  summary.ratios = {
    requireMs: summary.builds.now.requireMs.median / summary.builds.before.requireMs.median,
    heapAdded: summary.builds.now.heapAdded.median / summary.builds.before.heapAdded.median
  }
  return summary
}

/** The Markdown of the result (for the startup section of results.md). */
function section (s) {
  const mb = (n) => `${(n / (1024 * 1024)).toFixed(2)} MB`
  const row = (label, b) => `| ${label} | ${b.requireMs.median.toFixed(1)} ms (${b.requireMs.min.toFixed(1)}-${b.requireMs.max.toFixed(1)}) | ${mb(b.heapAdded.median)} (${mb(b.heapAdded.min)}-${mb(b.heapAdded.max)}) | ${mb(b.heapAfter.median)} | ${b.modules} | ${b.packages.join(', ')} |`
  return `### A bare \`require('fastify-allowed-methods')\`\n\nTime of the require() call and the heap it adds (after GC), fresh process each (--expose-gc), ${s.processes} processes per build, alternating; medians (min-max). "before": commit ${s.beforeCommit}, which loaded the OpenAPI reader, YAML and find-my-way on require.\n\n` +
    '| build | require() time | heap added | heap after GC | modules loaded | packages loaded |\n|---|---|---|---|---|---|\n' +
    row(`before (${s.beforeCommit})`, s.builds.before) + '\n' + row('now', s.builds.now) + '\n' +
    `| ratio | ${s.ratios.requireMs.toFixed(3)}x | ${s.ratios.heapAdded.toFixed(3)}x | | | |`
}

if (require.main === module) {
  if (process.argv[2] === '--child') {
    sendResult(measure(process.argv[3]))
  } else {
    runStandalone(run)
  }
}

module.exports = { run, section, buildBefore, script: path.basename(__filename) }
