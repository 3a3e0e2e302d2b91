'use strict'

// API docs of the demo: @fastify/swagger builds the OpenAPI document from the routes (and
// fastify-allowed-methods adds the OPTIONS operations and the 405/501 responses to it);
// @fastify/swagger-ui serves it at /documentation, JSON at /documentation/json, YAML at
// /documentation/yaml. OPENAPI_VERSION picks the document's version (default 3.1.0; 3.0.3 works too).

const swagger = require('@fastify/swagger')
const swaggerUi = require('@fastify/swagger-ui')

/**
 * Registers the docs on `app`. Call it after fastify-allowed-methods (swagger-ui adds routes, and
 * the plugin must see every route) and before the API's routes.
 * @param {import('fastify').FastifyInstance} app
 */
async function registerDocs (app) {
  await app.register(swagger, {
    openapi: {
      openapi: process.env.OPENAPI_VERSION || '3.1.0',
      info: {
        title: 'fastify-allowed-methods demo',
        description: 'Items API. Each path documents its `OPTIONS` answer (the exact `Allow` header) and what a method it does not support gets: `405 Method Not Allowed`, or `501 Not Implemented` for a method no route implements.',
        version: '1.0.0',
        license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' }
      },
      servers: [{ url: '/', description: 'this server' }],
      security: []
    }
  })
  await app.register(swaggerUi, {
    routePrefix: '/documentation',
    uiConfig: { docExpansion: 'list', deepLinking: true, validatorUrl: null }
  })
}

module.exports = { registerDocs }
