'use strict'

// Coverage is measured on the TypeScript sources under lib/ only: dist/ (the build the packaging,
// demo and CLI tests run) and demo/ are exercised too, but through child processes or as copies.
const { readdirSync } = require('node:fs')
const { join } = require('node:path')

function sources (dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

const lib = sources('lib')

module.exports = () => lib
