'use strict'

const { runServer } = require('../lib/child')
const { fastifyServer } = require('../lib/fastify-app')

const create = fastifyServer('plain')
module.exports = { create }
if (require.main === module) runServer(create)
