'use strict'

// The child-process side of every server: listen on 127.0.0.1, tell the parent the port over IPC,
// and answer its requests for heap readings (after GC, when run with --expose-gc) and counters.

function heapAfterGc () {
  if (typeof global.gc === 'function') {
    // a few passes: weak callbacks and finalizers can free more on the next one
    for (let i = 0; i < 4; i++) global.gc()
  }
  const m = process.memoryUsage()
  return { heapUsed: m.heapUsed, heapTotal: m.heapTotal, rss: m.rss, gc: typeof global.gc === 'function' }
}

/** CPU time this process used so far (user + system, microseconds) and a wall clock reading. */
function cpuNow () {
  const { user, system } = process.cpuUsage()
  return { cpuMicros: user + system, wallMicros: Number(process.hrtime.bigint() / 1000n) }
}

/**
 * @param {(options: object) => Promise<{ port: number, close: () => Promise<void>, stats?: () => object }>} create
 */
function runServer (create) {
  const options = JSON.parse(process.env.BENCH_SERVER_OPTIONS || '{}')
  create(options).then((server) => {
    process.on('message', (msg) => {
      if (msg.type === 'heap') process.send({ type: 'heap', id: msg.id, value: heapAfterGc() })
      else if (msg.type === 'cpu') process.send({ type: 'cpu', id: msg.id, value: cpuNow() })
      else if (msg.type === 'stats') process.send({ type: 'stats', id: msg.id, value: server.stats ? server.stats() : {} })
      else if (msg.type === 'close') server.close().then(() => process.exit(0))
    })
    process.on('disconnect', () => process.exit(0))
    process.send({ type: 'listening', port: server.port })
  }, (err) => {
    console.error(err)
    process.exit(1)
  })
}

/** `create` for a node http.Server already built (koa, restify's, node:http). */
function listenHttp (server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: server.address().port,
        close: () => new Promise((resolve) => {
          server.close(() => resolve())
          if (server.closeAllConnections) server.closeAllConnections()
        })
      })
    })
  })
}

/** `create` for a fastify app. */
async function listenFastify (app) {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { port: app.server.address().port, close: () => app.close() }
}

/** In a measuring child process: sends what `promise` resolves to as { type: 'result', value }. */
function sendResult (promise) {
  promise.then((value) => process.send({ type: 'result', value }, () => process.exit(0)), (err) => {
    console.error(err)
    process.exit(1)
  })
}

/** A section file run on its own (`node benchmarks/<file>.js [--full]`): prints its JSON. */
function runStandalone (run, pick = (r) => r) {
  require('./plugin-snapshot').snapshotPlugin()
  run({ full: process.argv.includes('--full'), log: console.error }).then((r) => console.log(JSON.stringify(pick(r), null, 1)), (err) => {
    console.error(err)
    process.exit(1)
  })
}

module.exports = { runServer, listenHttp, listenFastify, heapAfterGc, sendResult, runStandalone }
