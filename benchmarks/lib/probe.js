'use strict'

// One real request with node:http, to show what each contender answers (status, Allow, type, size).

const http = require('node:http')

function probe (port, method, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let bytes = 0
      res.on('data', (d) => { bytes += d.length })
      res.on('end', () => resolve({
        status: res.statusCode,
        allow: res.headers.allow ?? null,
        contentType: res.headers['content-type'] ?? null,
        bytes
      }))
    })
    req.on('error', reject)
    req.setTimeout(10000, () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)))
    req.end()
  })
}

module.exports = { probe }
