'use strict'

// fastify + fastify-allowed-methods with a root auth-like preHandler (lib/fastify-app.js
// addAuthPreHandler), added after the plugin: the same hook as servers/fastify-prehandler.js.

const { runServer } = require('../lib/child')
const { fastifyServer } = require('../lib/fastify-app')

const create = fastifyServer('allowed-methods', { authPreHandler: true })
module.exports = { create }
if (require.main === module) runServer(create)
