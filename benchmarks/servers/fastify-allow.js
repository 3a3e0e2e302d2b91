'use strict'

const { runServer } = require('../lib/child')
const { fastifyServer } = require('../lib/fastify-app')

const create = fastifyServer('fastify-allow')
module.exports = { create }
if (require.main === module) runServer(create)
