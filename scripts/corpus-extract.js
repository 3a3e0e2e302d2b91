#!/usr/bin/env node
'use strict'

// Makes the faithful extracts of test/fixtures/corpus/ from the documents real npm packages ship
// (see test/fixtures/corpus/README.md): the chosen path items are copied unchanged, with every
// component or definition they reference (transitively) and the document's top level, less its
// webhooks (events the API sends, not paths it serves); nothing is rewritten. Usage:
//   node scripts/corpus-extract.js <input .json|.yaml|.json.gz> <output .json|.yaml> <path regexp>
// Whole documents are committed as the package ships them (a plain copy), not through this script.

const { readFileSync, writeFileSync } = require('node:fs')
const { gunzipSync } = require('node:zlib')
const YAML = require('yaml')

function read (file) {
  let buffer = readFileSync(file)
  if (file.endsWith('.gz')) buffer = gunzipSync(buffer)
  const text = buffer.toString('utf8')
  return /\.json(\.gz)?$/.test(file) ? JSON.parse(text) : YAML.parse(text, { maxAliasCount: -1 })
}

function pointer (ref) {
  return ref.slice(2).split('/').map(t => t.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/** Every local `$ref` reached from `node`, followed through the document, as JSON pointer token lists. */
function references (doc, node, found = new Map()) {
  if (Array.isArray(node)) {
    for (const item of node) references(doc, item, found)
  } else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/') && !found.has(value)) {
        const tokens = pointer(value)
        found.set(value, tokens)
        references(doc, tokens.reduce((n, t) => n?.[t], doc), found)
      } else {
        references(doc, value, found)
      }
    }
  }
  return found
}

const SECTIONS = ['components', 'definitions', 'parameters', 'responses']
const LEFT_OUT = ['webhooks', 'x-webhooks']

function extract (doc, keep) {
  const out = {}
  const paths = Object.fromEntries(Object.entries(doc.paths).filter(([path]) => keep(path)))
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'paths') out.paths = paths
    else if (!SECTIONS.includes(key) && !LEFT_OUT.includes(key)) out[key] = value
  }
  // the referenced parts of components (3.x) or definitions/parameters/responses (2.0), in the document's order
  const wanted = [...references(doc, out).values()].map(tokens => tokens.slice(0, -1).join('/') + '\u0000' + tokens.at(-1))
  for (const section of SECTIONS) {
    if (doc[section] === undefined) continue
    const copy = (node, prefix) => {
      const result = {}
      for (const [name, value] of Object.entries(node)) {
        if (wanted.includes(prefix + '\u0000' + name)) result[name] = value
        else if (section === 'components' && prefix === 'components') {
          const inner = copy(value, `${prefix}/${name}`)
          if (Object.keys(inner).length > 0) result[name] = inner
        }
      }
      return result
    }
    const kept = copy(doc[section], section)
    if (Object.keys(kept).length > 0) out[section] = kept
  }
  return out
}

function main () {
  const [input, output, filter] = process.argv.slice(2)
  if (input === undefined || output === undefined || filter === undefined) {
    console.error('usage: node scripts/corpus-extract.js <input .json|.yaml|.json.gz> <output .json|.yaml> <path regexp>')
    process.exit(2)
  }
  const doc = read(input)
  const re = new RegExp(filter)
  const result = extract(doc, path => re.test(path))
  const text = output.endsWith('.json') ? JSON.stringify(result, null, 2) + '\n' : YAML.stringify(result, { lineWidth: 0, aliasDuplicateObjects: false })
  writeFileSync(output, text)
  console.log(`${output}: ${Object.keys(result.paths).length} of ${Object.keys(doc.paths).length} paths, ${text.length} characters`)
}

main()
