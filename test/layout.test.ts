import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { test } from 'tap'

/**
 * The three parts of lib/ and the one direction of their imports: the audit (lib/audit/, and the
 * CLI beside it) may use the OpenAPI side (lib/openapi/) and the runtime (the rest of lib/); the
 * OpenAPI side may use the runtime; the runtime uses neither, except the plugin's lazy `require()`s
 * that install the export and run the contract check when their options are given.
 */

const LIB = resolve(__dirname, '..', 'lib')

type Part = 'runtime' | 'openapi' | 'audit'

/** What each part may import (itself included). */
const ALLOWED: Record<Part, Part[]> = {
  runtime: ['runtime'],
  openapi: ['openapi', 'runtime'],
  audit: ['audit', 'openapi', 'runtime']
}

/** The runtime's lazy requires of the OpenAPI side: `file: [module]`, all that may cross the line. */
const LAZY: Record<string, string[]> = {
  'plugin.ts': ['openapi/install', 'openapi/contract']
}

function sources (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

function partOf (file: string): Part {
  const rel = relative(LIB, file)
  if (rel === 'cli.ts' || rel.startsWith('audit/')) return 'audit'
  if (rel.startsWith('openapi/')) return 'openapi'
  return 'runtime'
}

interface Import { specifier: string, lazy: boolean, typeOnly: boolean }

/** Every relative module a file names: static imports and re-exports, `import()` types, `require()`s. */
function importsOf (text: string): Import[] {
  const out: Import[] = []
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)) out.push({ specifier: m[2], lazy: false, typeOnly: m[1] !== undefined })
  for (const m of text.matchAll(/\bimport\('([^']+)'\)/g)) out.push({ specifier: m[1], lazy: false, typeOnly: true })
  for (const m of text.matchAll(/\brequire\('([^']+)'\)/g)) out.push({ specifier: m[1], lazy: true, typeOnly: false })
  return out.filter(i => i.specifier.startsWith('.'))
}

const files = sources(LIB)

test('lib/ has the three parts', async t => {
  const parts = new Set(files.map(partOf))
  t.same([...parts].sort(), ['audit', 'openapi', 'runtime'])
  t.ok(files.some(f => relative(LIB, f) === 'openapi/document.ts'), 'the one OpenAPI reader is lib/openapi/document.ts')
  t.notOk(files.some(f => /^audit\/.*document/.test(relative(LIB, f))), 'the audit has no reader of its own')
})

test('imports go from the audit to the OpenAPI side to the runtime, never back', async t => {
  const wrong: string[] = []
  let checked = 0
  for (const file of files) {
    const from = partOf(file)
    const rel = relative(LIB, file)
    for (const { specifier, lazy, typeOnly } of importsOf(readFileSync(file, 'utf8'))) {
      checked++
      const target = resolve(dirname(file), specifier)
      const to = partOf(target + '.ts')
      if (ALLOWED[from].includes(to)) continue
      const targetRel = relative(LIB, target)
      // a type is erased from the build; a lazy require of a listed module runs only when needed
      if (from === 'runtime' && to === 'openapi' && (typeOnly || lazy) && LAZY[rel]?.includes(targetRel) === true) continue
      wrong.push(`${rel} (${from}) imports ${specifier} (${to})${lazy ? ' lazily' : ''}`)
    }
  }
  t.ok(checked > 100, `read the imports of ${files.length} files`)
  t.same(wrong, [], 'no import goes back')
})

test('the check catches an import that goes back', async t => {
  t.same(importsOf("import { a } from '../audit/x'\nimport type { B } from './y'\nexport { c } from '../openapi/z'\n"),
    [{ specifier: '../audit/x', lazy: false, typeOnly: false }, { specifier: './y', lazy: false, typeOnly: true }, { specifier: '../openapi/z', lazy: false, typeOnly: false }])
  t.same(importsOf("const m = require('./openapi/install') as typeof import('./openapi/install')"),
    [{ specifier: './openapi/install', lazy: false, typeOnly: true }, { specifier: './openapi/install', lazy: true, typeOnly: false }])
  t.equal(partOf(join(LIB, 'cli.ts')), 'audit', 'the CLI sits beside the audit')
  t.equal(partOf(join(LIB, 'openapi', 'contract.ts')), 'openapi')
  t.equal(partOf(join(LIB, 'allow.ts')), 'runtime')
})
