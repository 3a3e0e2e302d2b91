'use strict'

// Memory under a stream of never-repeating URLs: a server process (--expose-gc) takes N requests,
// each to a new random URL, over TCP from autocannon in another process; its heap after GC is read
// before (after a warm-up of the same traffic) and after. Anything cached per URL would show.

const path = require('node:path')
const { runStandalone } = require('./lib/child')
const { startServer, runChild } = require('./lib/spawn')

const LOAD = path.join(__dirname, 'lib', 'load.js')

const CASES = [
  { id: 'unknown', server: 'fastify-allowed-methods', method: 'GET', randomPath: 'unknown', expect: 404, title: 'fastify-allowed-methods, GET random unknown URL (404)', target: true },
  { id: 'wrong', server: 'fastify-allowed-methods', method: 'PATCH', randomPath: 'user', expect: 405, title: 'fastify-allowed-methods, PATCH /users/<random> (405)', target: false },
  { id: 'plain', server: 'fastify', method: 'GET', randomPath: 'unknown', expect: 404, title: 'plain fastify, GET random unknown URL (404), reference', target: false }
]

async function one (c, amount) {
  const server = await startServer(c.server, { execArgv: ['--expose-gc'] })
  try {
    const cfg = { port: server.port, method: c.method, randomPath: c.randomPath, connections: 10, pipelining: 10 }
    await runChild(LOAD, { role: 'load', args: [JSON.stringify({ ...cfg, amount: 20000 })] })
    const before = await server.ask('heap')
    // autocannon may stop a few in-flight requests short of `amount`: ask for a little more, report what ran
    const load = await runChild(LOAD, { role: 'load', args: [JSON.stringify({ ...cfg, amount: amount + 200 })] })
    const after = await server.ask('heap')
    const wrong = Object.entries(load.statuses).filter(([code]) => Number(code) !== c.expect)
    return {
      ...c,
      requests: load.requests,
      seconds: load.seconds,
      errors: load.errors + load.timeouts + wrong.reduce((n, [, count]) => n + count, 0),
      statuses: load.statuses,
      heapBefore: before.heapUsed,
      heapAfter: after.heapUsed,
      growth: after.heapUsed - before.heapUsed,
      rssBefore: before.rss,
      rssAfter: after.rss
    }
  } finally {
    await server.close()
  }
}

async function run ({ full }) {
  const amount = full ? 1000000 : 200000
  const cases = full ? CASES : CASES.filter((c) => c.id !== 'plain')
  const results = []
  for (const c of cases) results.push(await one(c, amount))
  return { amount, results }
}

if (require.main === module) {
  runStandalone(run)
}

module.exports = { run, CASES }
