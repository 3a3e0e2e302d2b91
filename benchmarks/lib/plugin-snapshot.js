'use strict'

// Copies ../dist to benchmarks/.tmp/dist-<pid> and points BENCH_PLUGIN_DIR (inherited by every
// child process) at it: one run, one build of the plugin.

const fs = require('node:fs')
const path = require('node:path')

function snapshotPlugin () {
  if (process.env.BENCH_PLUGIN_DIR) return process.env.BENCH_PLUGIN_DIR
  const dist = path.join(__dirname, '..', '..', 'dist')
  if (!fs.existsSync(path.join(dist, 'index.js'))) {
    throw new Error(`${dist}/index.js not found: run \`npm run build\` first (npm run bench does)`)
  }
  const target = path.join(__dirname, '..', '.tmp', `dist-${process.pid}`)
  fs.rmSync(target, { recursive: true, force: true })
  fs.cpSync(dist, target, { recursive: true })
  process.env.BENCH_PLUGIN_DIR = target
  process.on('exit', () => fs.rmSync(target, { recursive: true, force: true }))
  return target
}

module.exports = { snapshotPlugin }
