'use strict'

// Starting child processes, pinned to a CPU with taskset when this machine allows it.

const { fork, execFileSync } = require('node:child_process')
const os = require('node:os')
const path = require('node:path')

let pinning = null

/** { used, reason, serverCpu, loadCpu }: taskset is used when it exists and two CPUs are usable. */
function detectPinning () {
  if (pinning !== null) return pinning
  const cpus = os.availableParallelism ? os.availableParallelism() : os.cpus().length
  if (process.env.BENCH_NO_PIN === '1') {
    pinning = { used: false, reason: 'disabled by BENCH_NO_PIN=1' }
  } else if (cpus < 2) {
    pinning = { used: false, reason: `only ${cpus} CPU available` }
  } else {
    try {
      execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' })
      execFileSync('taskset', ['-c', '1', 'true'], { stdio: 'ignore' })
      pinning = { used: true, reason: 'taskset: servers on CPU 0, load generator on CPU 1', serverCpu: 0, loadCpu: 1 }
    } catch {
      pinning = { used: false, reason: 'taskset not available' }
    }
  }
  return pinning
}

/**
 * fork() a node script, pinned to `cpu` when pinning is on (taskset execs node, which inherits the
 * IPC channel). `role` is 'server' or 'load'.
 */
function forkPinned (script, { role, args = [], env = {}, execArgv = [] } = {}) {
  const pin = detectPinning()
  const options = {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv
  }
  if (pin.used) {
    const cpu = role === 'load' ? pin.loadCpu : pin.serverCpu
    options.execPath = 'taskset'
    options.execArgv = ['-c', String(cpu), process.execPath, ...execArgv]
  }
  return fork(script, args, options)
}

/** Waits for the next IPC message of `type` (optionally with `id`) from `child`. */
function nextMessage (child, type, id, timeoutMs = 120000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`timed out waiting for ${type} from ${child.spawnargs.join(' ')}`)), timeoutMs)
    function onMessage (msg) {
      if (msg && msg.type === type && (id === undefined || msg.id === id)) done(null, msg)
    }
    function onExit (code) {
      done(new Error(`child ${child.spawnargs.join(' ')} exited with code ${code} before sending ${type}`))
    }
    function done (err, msg) {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
      if (err) reject(err)
      else resolve(msg)
    }
    child.on('message', onMessage)
    child.on('exit', onExit)
  })
}

let requestId = 0

/**
 * Starts benchmarks/servers/<name>.js in its own process. Returns { port, child, ask(type), close() }.
 */
async function startServer (name, { options = {}, execArgv = [] } = {}) {
  const script = path.join(__dirname, '..', 'servers', `${name}.js`)
  const child = forkPinned(script, {
    role: 'server',
    env: { BENCH_SERVER_OPTIONS: JSON.stringify(options) },
    execArgv: ['--no-deprecation', ...execArgv]
  })
  const { port } = await nextMessage(child, 'listening')
  return {
    port,
    child,
    async ask (type) {
      const id = ++requestId
      child.send({ type, id })
      return (await nextMessage(child, type, id)).value
    },
    async close () {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.send({ type: 'close' })
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    }
  }
}

/** Runs a node script in a child process (pinned like a server) and returns the JSON it sends. */
async function runChild (script, { args = [], execArgv = [], role = 'server', timeoutMs = 600000 } = {}) {
  const child = forkPinned(script, { role, args, execArgv })
  const msg = await nextMessage(child, 'result', undefined, timeoutMs)
  await new Promise((resolve) => {
    if (child.exitCode !== null) resolve()
    else child.once('exit', resolve)
  })
  return msg.value
}

/**
 * Starts a persistent load generator (lib/load.js --worker) pinned to the load CPU. Returns
 * { run(cfg), close() }: run() sends one autocannon run and resolves to its numbers.
 */
async function startLoad () {
  const child = forkPinned(path.join(__dirname, 'load.js'), { role: 'load', args: ['--worker'] })
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

module.exports = { detectPinning, forkPinned, nextMessage, startServer, startLoad, runChild }
