'use strict'

// koa 3 + @koa/router with router.allowedMethods() (405 + Allow, 200 on OPTIONS).

const http = require('node:http')
const Koa = require('koa')
const Router = require('@koa/router')
const { runServer, listenHttp } = require('../lib/child')
const { routeSet, payload } = require('../lib/routes')

async function create (options = {}) {
  const app = new Koa()
  app.silent = true // no stack traces when the load generator hangs up with requests in flight
  const router = new Router()
  for (const [method, url] of routeSet(options.fillers)) {
    router[method.toLowerCase()](url, (ctx) => {
      ctx.body = payload(ctx.params.id)
    })
  }
  app.use(router.routes()).use(router.allowedMethods())
  return listenHttp(http.createServer(app.callback()))
}

module.exports = { create }
if (require.main === module) runServer(create)
