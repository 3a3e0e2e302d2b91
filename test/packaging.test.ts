import { test } from 'tap'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { pack, root, run, tsc } from './helpers/pack'

// Packs the package as npm would publish it, installs the tarball in an empty project, and uses
// it from CommonJS, from ESM, and from strict TypeScript in both module modes.
test('the packed tarball works from CommonJS, ESM and strict TypeScript', { timeout: 300_000 }, async (t) => {
  const { dir, tarball } = pack(t)
  const listing = run('tar', ['-tzf', tarball], dir)
  t.match(listing, /package\/dist\/index\.js/)
  t.match(listing, /package\/dist\/index\.d\.ts/)
  t.notMatch(listing, /package\/test\//, 'tests are not published')
  t.notMatch(listing, /package\/lib\//, 'sources are compiled, not published')

  const fastifyVersion = (require(join(root, 'node_modules', 'fastify', 'package.json')) as { version: string }).version
  const typesNode = (require(join(root, 'node_modules', '@types', 'node', 'package.json')) as { version: string }).version
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }))
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, `fastify@${fastifyVersion}`, `@types/node@${typesNode}`], dir)

  writeFileSync(join(dir, 'cjs.js'), `
const assert = require('node:assert')
const fastifyAllowedMethods = require('fastify-allowed-methods')
assert.equal(typeof fastifyAllowedMethods, 'function')
assert.equal(fastifyAllowedMethods.default, fastifyAllowedMethods)
assert.equal(fastifyAllowedMethods.fastifyAllowedMethods, fastifyAllowedMethods)
const app = require('fastify')()
app.register(fastifyAllowedMethods)
app.register(async (f) => { f.get('/items', async () => 'list') })
app.inject({ method: 'DELETE', url: '/items' }).then((res) => {
  console.log(res.statusCode, res.headers.allow, res.headers['content-type'])
  return app.close()
})
`)
  t.equal(run(process.execPath, ['cjs.js'], dir).trim(), '405 GET, HEAD, OPTIONS application/problem+json')

  writeFileSync(join(dir, 'esm.mjs'), `
import assert from 'node:assert'
import Fastify from 'fastify'
import fastifyAllowedMethods, { fastifyAllowedMethods as named, allowedMethodsCors } from 'fastify-allowed-methods'
assert.equal(named, fastifyAllowedMethods)
assert.equal(typeof allowedMethodsCors, 'function')
const app = Fastify()
await app.register(fastifyAllowedMethods)
app.get('/items', async () => 'list')
const res = await app.inject({ method: 'OPTIONS', url: '/items' })
console.log(res.statusCode, res.headers.allow)
await app.close()
`)
  t.equal(run(process.execPath, ['esm.mjs'], dir).trim(), '204 GET, HEAD, OPTIONS')

  const usage = `
import Fastify from 'fastify'
import fastifyAllowedMethods, { allowedMethodsCors } from 'fastify-allowed-methods'
import type { FastifyAllowedMethodsOptions, AllowedMethodsProblem } from 'fastify-allowed-methods'
const options: FastifyAllowedMethodsOptions = { autoOptions: true, problemType: (status) => 'https://e.example/' + status }
const app = Fastify()
app.register(fastifyAllowedMethods, options)
app.get('/secret', { config: { allow: { hide: true } } }, async () => 'psst')
const allow: string[] = app.allowedMethods('/secret')
const table: Record<string, string[]> = app.methodTable()
const problem: AllowedMethodsProblem = { type: 'about:blank', title: 'Method Not Allowed', status: 405, detail: 'd', instance: '/x' }
// typed without @fastify/cors installed
const cors: { origin: true, delegator: unknown } = allowedMethodsCors({ origin: true })
export { allow, table, problem, cors }
`
  writeFileSync(join(dir, 'usage.mts'), usage)
  writeFileSync(join(dir, 'usage.cts'), usage)
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, types: ['node'], esModuleInterop: true },
    files: ['usage.mts', 'usage.cts']
  }))
  t.equal(run(process.execPath, [tsc, '-p', 'tsconfig.json'], dir), '', 'strict TypeScript compiles (ESM and CommonJS)')
})
