'use strict'

// restify 11: answers 405 with Allow on its own.

const restify = require('restify')
const { runServer, listenHttp } = require('../lib/child')
const { routeSet, payload } = require('../lib/routes')

async function create (options = {}) {
  const server = restify.createServer({ handleUncaughtExceptions: false })
  for (const [method, url] of routeSet(options.fillers)) {
    const register = method === 'DELETE' ? 'del' : method.toLowerCase()
    server[register](url, (req, res, next) => {
      res.send(payload(req.params.id))
      next()
    })
  }
  return listenHttp(server.server)
}

module.exports = { create }
if (require.main === module) runServer(create)
