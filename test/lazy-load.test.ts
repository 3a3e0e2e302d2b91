import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { test } from 'tap'

/**
 * `require('fastify-allowed-methods')` loads the runtime only: the OpenAPI side (lib/openapi/), the
 * audit (lib/audit/), YAML, randexp and find-my-way load when an app first needs them. Each case
 * runs the built package (dist/) in a fresh process that records every module loaded and who
 * asked for it.
 */

const root = resolve(__dirname, '..')
const dist = join(root, 'dist')

interface Loaded {
  /** Every file in require.cache, relative to the repository (`dist/plugin.js`, `node_modules/yaml/dist/index.js`; a linked node_modules is outside it). */
  files: string[]
  /** The modules dist/allow.js asked for. */
  fromAllow: string[]
  /** What the case printed. */
  out: unknown
}

/** Runs `body` (CommonJS, with `plugin`, `dist` and `done(value)` in scope) in a fresh node. */
function run (body: string): Loaded {
  const script = `
const Module = require('node:module')
const { relative, join } = require('node:path')
const root = ${JSON.stringify(root)}
const dist = ${JSON.stringify(dist)}
const original = Module._load
const fromAllow = []
Module._load = function (request, parent, isMain) {
  if (parent && parent.filename === join(dist, 'allow.js')) fromAllow.push(request)
  return original.apply(this, arguments)
}
const plugin = require(dist)
function done (out) {
  const files = Object.keys(require.cache).map(f => relative(root, f))
  process.stdout.write(JSON.stringify({ files, fromAllow, out }))
}
;(async () => { ${body} })().catch(err => { console.error(err); process.exit(1) })
`
  const text = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 })
  return JSON.parse(text) as Loaded
}

const LIBRARIES = /(^|\/)node_modules\/(yaml|randexp|find-my-way)\//
const OPENAPI = /^dist\/openapi\//
const AUDIT = /^dist\/(audit\/|cli\.js)/

function matching (files: string[], re: RegExp): string[] {
  return files.filter(f => re.test(f))
}

test('lazy loading, on the built package', async t => {
  if (!existsSync(join(dist, 'index.js'))) execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root })

  t.test('a bare require loads the runtime only', async t => {
    const { files, fromAllow } = run('done()')
    t.ok(files.includes('dist/plugin.js') && files.includes('dist/responder.js') && files.includes('dist/allow.js'), 'the runtime is loaded')
    t.same(matching(files, LIBRARIES), [], 'no yaml, randexp or find-my-way')
    t.same(matching(files, OPENAPI), [], 'nothing of lib/openapi/')
    t.same(matching(files, AUDIT), [], 'nothing of lib/audit/ or the CLI')
    t.same(fromAllow.filter(r => r === 'find-my-way'), [])
  })

  t.test('an app without OpenAPI, contract or hidden routes loads none of them', async t => {
    const { files, fromAllow, out } = run(`
      const app = require('fastify')()
      await app.register(plugin)
      app.get('/items', async () => 'list')
      app.get('/items/:id(^\\\\d+)', async () => 'one')
      await app.ready()
      const res = await app.inject({ method: 'DELETE', url: '/items' })
      done([res.statusCode, res.headers.allow])`)
    t.same(out, [405, 'GET, HEAD, OPTIONS'])
    t.same(matching(files, OPENAPI), ['dist/openapi/install.js'], 'only the hook that looks for @fastify/swagger at ready')
    t.same(matching(files, AUDIT), [])
    t.same(matching(files, /(^|\/)node_modules\/(yaml|randexp)\//), [])
    t.same(fromAllow.filter(r => r === 'find-my-way'), [], 'fastify loads its own router; the plugin builds none')
  })

  t.test('openapi: false loads nothing of lib/openapi/', async t => {
    const { files } = run(`
      const app = require('fastify')()
      await app.register(plugin, { openapi: false })
      app.get('/items', async () => 'list')
      await app.ready()
      done()`)
    t.same(matching(files, OPENAPI), [])
  })

  t.test('a hidden route loads find-my-way for the shadow router', async t => {
    const { fromAllow, out } = run(`
      const app = require('fastify')()
      await app.register(plugin)
      app.get('/items', async () => 'list')
      app.delete('/items', { config: { allow: { hide: true } } }, async () => 'gone')
      await app.ready()
      const res = await app.inject({ method: 'PUT', url: '/items' })
      done([res.statusCode, res.headers.allow])`)
    t.same(out, [405, 'GET, HEAD, OPTIONS'])
    t.ok(fromAllow.includes('find-my-way'), 'required by dist/allow.js when the shadow router is built')
  })

  t.test('the contract check loads the reader (and YAML for a YAML file)', async t => {
    const dir = mkdtempSync(join(tmpdir(), 'fam-lazy-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const file = join(dir, 'openapi.yaml')
    writeFileSync(file, 'openapi: 3.1.0\ninfo: { title: t, version: "1" }\npaths:\n  /items:\n    get:\n      responses: { "200": { description: ok } }\n')
    const doc = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/items': { get: { responses: { 200: { description: 'ok' } } } } } }
    const object = run(`
      const app = require('fastify')()
      await app.register(plugin, { openapi: false, contract: { document: ${JSON.stringify(doc)}, strict: true } })
      app.get('/items', async () => 'list')
      await app.ready()
      done()`)
    t.same(matching(object.files, OPENAPI).sort(), ['dist/openapi/contract.js', 'dist/openapi/document.js'], 'the contract check and the reader, not the export')
    t.same(matching(object.files, /(^|\/)node_modules\/(yaml|randexp)\//), [], 'a document object needs no YAML')
    t.same(matching(object.files, AUDIT), [])
    const yaml = run(`
      const app = require('fastify')()
      await app.register(plugin, { openapi: false, contract: { document: ${JSON.stringify(file)}, strict: true } })
      app.get('/items', async () => 'list')
      await app.ready()
      done()`)
    t.equal(matching(yaml.files, /(^|\/)node_modules\/yaml\/dist\/index\.js$/).length, 1, 'YAML loaded for the file')
    t.same(matching(yaml.files, AUDIT), [])
  })

  t.test('@fastify/swagger loads the export when its document is built', async t => {
    const { files, out } = run(`
      const app = require('fastify')()
      await app.register(require('@fastify/swagger'), { openapi: { info: { title: 't', version: '1' } } })
      await app.register(plugin)
      app.get('/items', async () => 'list')
      await app.ready()
      const before = Object.keys(require.cache).some(f => f.endsWith(join('dist', 'openapi', 'augment.js')))
      const text = app.swagger({ yaml: true })
      done([before, /x-allowed-methods|405/.test(text)])`)
    t.same(out, [false, true], 'loaded on the first app.swagger(), not at ready')
    for (const module of ['dist/openapi/augment.js', 'dist/openapi/document.js', 'dist/openapi/path-allow.js']) t.ok(files.includes(module), module)
    t.same(matching(files, AUDIT), [])
  })
})
