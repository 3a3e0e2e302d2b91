'use strict'

// Plain fastify with a root auth-like preHandler (lib/fastify-app.js addAuthPreHandler).

const { runServer } = require('../lib/child')
const { fastifyServer } = require('../lib/fastify-app')

const create = fastifyServer('plain', { authPreHandler: true })
module.exports = { create }
if (require.main === module) runServer(create)
