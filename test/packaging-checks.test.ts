import { test } from 'tap'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { pack, root, run } from './helpers/pack'

/**
 * Issue 11, item 3: the tarball npm would publish, checked by the tools the TypeScript ecosystem
 * uses (publint, Are the Types Wrong) and against an exact list of files. The tools come from
 * devDependencies (offline), never from npx downloads.
 */

interface Manifest {
  main: string
  types: string
  bin: Record<string, string>
  files: string[]
  exports: Record<string, string | Record<string, string>>
  typesVersions?: Record<string, Record<string, string[]>>
}
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest

/** The path of a devDependency's command, run with this Node (process.execPath). */
function devBin (pkg: string, name: string): string {
  const pkgJson = join(root, 'node_modules', pkg, 'package.json')
  const { bin } = JSON.parse(readFileSync(pkgJson, 'utf8')) as { bin: Record<string, string> }
  return join(dirname(pkgJson), bin[name])
}

function sources (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? sources(path) : [relative(root, path)]
  })
}

test('the packed tarball', { timeout: 300_000 }, async (top) => {
  const { dir, tarball } = pack(top)

  await top.test('publint finds nothing to say about it', async (t) => {
    // --strict turns warnings into errors; suggestions are printed too and fail the check below
    const out = run(process.execPath, [devBin('publint', 'publint'), 'run', tarball, '--strict', '--level', 'suggestion'], dir)
    t.match(out, /All good!/, out)
  })

  await top.test('Are the Types Wrong: every entry point resolves, with types, in node10, node16 (CJS and ESM) and bundler', async (t) => {
    let out: string
    try {
      out = run(process.execPath, [devBin('@arethetypeswrong/cli', 'attw'), tarball, '--format', 'json', '--profile', 'strict'], dir)
    } catch (err) {
      // attw exits 1 when it finds a problem: its JSON (on stdout) says which
      out = (err as { stdout?: string }).stdout ?? ''
      if (out === '') throw err
    }
    const { analysis } = JSON.parse(out) as {
      analysis: {
        problems: unknown[]
        entrypoints: Record<string, { resolutions: Record<string, { resolution?: { fileName: string } }> }>
      }
    }
    t.same(analysis.problems, [], 'no problem in any resolution mode')
    const publicSubpaths = Object.keys(manifest.exports)
    t.same(Object.keys(analysis.entrypoints).sort(), publicSubpaths.sort(), 'every export is checked')
    for (const subpath of publicSubpaths) {
      const { resolutions } = analysis.entrypoints[subpath]
      t.same(Object.keys(resolutions).sort(), ['bundler', 'node10', 'node16-cjs', 'node16-esm'], `${subpath}: four resolution modes`)
      for (const [mode, { resolution }] of Object.entries(resolutions)) {
        const want = subpath === './package.json' ? /\/package\.json$/ : /\/dist\/.+\.d\.ts$/
        t.match(resolution?.fileName, want, `${subpath} resolves in ${mode} to ${resolution?.fileName ?? 'nothing'}`)
      }
    }
  })

  await top.test('it holds exactly the compiled library, its types and the top-level documents', async (t) => {
    const listing = run('tar', ['-tzf', tarball], dir).split('\n').filter(Boolean)
    t.ok(listing.every(f => f.startsWith('package/')), 'one top folder, package/')
    const files = listing.map(f => f.slice('package/'.length))
    const dist = files.filter(f => f.startsWith('dist/'))

    // top level: the manifest and the documents (LICENSE and CHANGELOG.md when the repository has them)
    const documents = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].filter(f => f === 'package.json' || existsSync(join(root, f)))
    t.ok(documents.includes('README.md') && documents.includes('LICENSE'), 'README.md and LICENSE exist')
    t.same(files.filter(f => !f.startsWith('dist/')).sort(), documents.sort(), 'outside dist/: only package.json, README.md, LICENSE, CHANGELOG.md')

    // dist/: compiled JavaScript and declarations only, one pair per TypeScript source in lib/
    t.same(dist.filter(f => !/\.(d\.ts|js)$/.test(f)), [], 'dist/ has only .js and .d.ts (no sources, maps or build info)')
    const js = dist.filter(f => f.endsWith('.js')).sort()
    const dts = dist.filter(f => f.endsWith('.d.ts')).sort()
    t.same(dts, js.map(f => f.replace(/\.js$/, '.d.ts')), 'every .js has its .d.ts and every .d.ts its .js')
    const compiled = sources(join(root, 'lib')).filter(f => f.endsWith('.ts') && !f.endsWith('.d.ts'))
      .map(f => f.replace(/^lib\//, 'dist/').replace(/\.ts$/, '.js')).sort()
    t.same(js, compiled, 'dist/ is exactly lib/ compiled (a difference means a stale dist/: run npm run build)')
    t.same(files.filter(f => /^(test|lib|benchmarks|demo|scripts|types|docs)\/|(^|\/)node_modules\//.test(f)), [], 'no tests, sources, benchmarks, demo, scripts or docs')

    // every entry point the manifest names is in the tarball
    const entries = [manifest.main, manifest.types, ...Object.values(manifest.bin),
      ...Object.values(manifest.exports).flatMap(e => typeof e === 'string' ? [e] : Object.values(e)),
      ...Object.values(manifest.typesVersions ?? {}).flatMap(m => Object.values(m).flat())]
      .map(f => f.replace(/^\.\//, ''))
    t.same(entries.filter(f => !files.includes(f)), [], `the entry points exist: ${[...new Set(entries)].join(', ')}`)
    t.ok(files.includes('dist/index.js') && files.includes('dist/audit/index.js'), 'the public entry points . and ./audit')
  })
})
