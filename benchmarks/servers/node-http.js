'use strict'

// node:http with the route set matched by hand and a hard-coded 405: no framework at all, the
// practical ceiling of this machine. It answers the same bytes as fastify-allowed-methods: the same
// JSON body on GET, the same problem+json 405, 204 + Allow on OPTIONS, fastify's 404 body shape.

const http = require('node:http')
const { runServer, listenHttp } = require('../lib/child')
const { DEFAULT_FILLERS, payload } = require('../lib/routes')

const ALLOW_ROOT = ['GET', 'HEAD', 'OPTIONS']
const ALLOW_USERS = ['GET', 'HEAD', 'POST', 'OPTIONS']
const ALLOW_USER = ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']

function createHandler (fillers) {
  // returns [allow, id] for a path of the route set, or null
  function match (path) {
    if (path === '/') return [ALLOW_ROOT, undefined]
    if (path === '/users') return [ALLOW_USERS, undefined]
    if (path.startsWith('/users/')) {
      const rest = path.slice(7)
      const slash = rest.indexOf('/')
      if (slash === -1) return rest.length > 0 ? [ALLOW_USER, rest] : null
      if (slash > 0 && rest.slice(slash) === '/posts') return [ALLOW_ROOT, rest.slice(0, slash)]
      return null
    }
    if (path.startsWith('/filler/r')) {
      const rest = path.slice(9)
      const slash = rest.indexOf('/')
      if (slash <= 0) return null
      const index = rest.slice(0, slash)
      const id = rest.slice(slash + 1)
      if (id.length === 0 || id.includes('/') || String(Number(index)) !== index || Number(index) >= fillers) return null
      return [ALLOW_ROOT, id]
    }
    return null
  }

  return function handle (req, res) {
    const q = req.url.indexOf('?')
    const path = q === -1 ? req.url : req.url.slice(0, q)
    const found = match(path)
    const method = req.method
    if (found === null) {
      const body = JSON.stringify({ message: `Route ${method}:${req.url} not found`, error: 'Not Found', statusCode: 404 })
      res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
      res.end(body)
      return
    }
    const [allow, id] = found
    if (method === 'OPTIONS') {
      res.writeHead(204, { allow: allow.join(', ') })
      res.end()
      return
    }
    if (allow.includes(method)) {
      const body = JSON.stringify(payload(id))
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
      res.end(method === 'HEAD' ? undefined : body)
      return
    }
    const header = allow.join(', ')
    const body = JSON.stringify({
      type: 'about:blank',
      title: 'Method Not Allowed',
      status: 405,
      detail: `The ${method} method is not allowed for ${path}. Allowed methods: ${header}.`,
      instance: path,
      allow
    })
    res.writeHead(405, { allow: header, 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  }
}

async function create (options = {}) {
  return listenHttp(http.createServer(createHandler(options.fillers ?? DEFAULT_FILLERS)))
}

module.exports = { create }
if (require.main === module) runServer(create)
