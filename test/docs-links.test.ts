import { test } from 'tap'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

/**
 * Every relative link of README.md, CHANGELOG.md and docs/*.md leads somewhere: the file or folder
 * exists, and an anchor (`#...`, in the same file or in another Markdown file) names a heading of
 * that file as GitHub slugs it. Links to other sites are not followed.
 */

const ROOT = resolve(__dirname, '..')

/** The Markdown files whose links are checked, relative to the repository root. */
function documents (): string[] {
  const docs = readdirSync(join(ROOT, 'docs')).filter(name => name.endsWith('.md')).map(name => `docs/${name}`)
  return ['README.md', 'CHANGELOG.md', ...docs.sort()]
}

/** The text of a Markdown file without its fenced code blocks and inline code spans, line by line. */
function proseLines (text: string): string[] {
  let fenced = false
  return text.split('\n').map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced
      return ''
    }
    return fenced ? '' : line.replace(/(`+)[^`]*?\1/g, '')
  })
}

/**
 * GitHub's heading anchor: lower case, every character but letters, digits, spaces, `-` and `_`
 * dropped, spaces turned into `-`; a repeated anchor gets `-1`, `-2`...
 */
function slug (heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link in a heading keeps its text
    .replace(/<[^>]+>/g, '')
  return text.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')
}

/** The anchors of a Markdown file's headings (code spans count as their text, fences are skipped). */
function anchors (text: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  let fenced = false
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (heading === null) continue
    const base = slug(heading[1] as string)
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    out.add(count === 0 ? base : `${base}-${count}`)
  }
  return out
}

interface Link { file: string, line: number, target: string }

/** The relative links and images of a file (`[text](target)`, `![alt](target "title")`). */
function links (file: string): Link[] {
  const out: Link[] = []
  proseLines(readFileSync(join(ROOT, file), 'utf8')).forEach((line, index) => {
    for (const match of line.matchAll(/!?\[(?:[^\]]|\][^(])*?\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1] as string
      if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue
      out.push({ file, line: index + 1, target })
    }
  })
  return out
}

/** Why a link is dead, or null when it leads somewhere. */
function deadness (link: Link): string | null {
  const hash = link.target.indexOf('#')
  const path = hash === -1 ? link.target : link.target.slice(0, hash)
  const anchor = hash === -1 ? null : decodeURIComponent(link.target.slice(hash + 1))
  const target = path === '' ? join(ROOT, link.file) : resolve(dirname(join(ROOT, link.file)), decodeURIComponent(path))
  if (relative(ROOT, target).startsWith('..')) return 'leads outside the repository'
  if (!existsSync(target)) return `${relative(ROOT, target)} does not exist`
  if (anchor === null) return null
  if (!target.endsWith('.md') || statSync(target).isDirectory()) return 'an anchor on a file that is not Markdown'
  return anchors(readFileSync(target, 'utf8')).has(anchor) ? null : `no heading of ${relative(ROOT, target)} has the anchor #${anchor}`
}

test('GitHub anchors of headings', async (t) => {
  t.equal(slug('Per-resource CORS preflights (@fastify/cors)'), 'per-resource-cors-preflights-fastifycors')
  t.equal(slug('OPTIONS (`autoOptions`, default `true`)'), 'options-autooptions-default-true')
  t.equal(slug('Where the plugin runs: the hooks of your 404'), 'where-the-plugin-runs-the-hooks-of-your-404')
  t.same([...anchors('# A\n## Options\n```\n# not a heading\n```\n### Options\n')], ['a', 'options', 'options-1'])
})

test('the link checker finds dead links', async (t) => {
  t.match(deadness({ file: 'README.md', line: 1, target: 'docs/no-such-file.md' }), /does not exist/)
  t.match(deadness({ file: 'README.md', line: 1, target: '#no-such-heading' }), /no heading of README.md/)
  t.match(deadness({ file: 'README.md', line: 1, target: 'package.json#x' }), /not Markdown/)
  t.match(deadness({ file: 'README.md', line: 1, target: '../elsewhere.md' }), /outside the repository/)
  t.equal(deadness({ file: 'docs/audit.md', line: 1, target: '../README.md' }), null)
})

test('every relative link of README.md, CHANGELOG.md and docs/*.md leads somewhere', async (t) => {
  const files = documents()
  for (const file of files) t.ok(existsSync(join(ROOT, file)), `${file} exists`)
  const all = files.flatMap(links)
  t.ok(all.length > 20, `${all.length} relative links found`)
  const dead = all.map(link => ({ link, why: deadness(link) })).filter(({ why }) => why !== null)
  t.same(dead.map(({ link, why }) => `${link.file}:${link.line}: ${link.target}: ${why}`), [], 'no dead link')
})

test('every Markdown file in docs/ is linked from the README', async (t) => {
  const fromReadme = new Set(links('README.md').map(link => link.target.split('#')[0]))
  for (const file of documents().filter(name => name.startsWith('docs/'))) t.ok(fromReadme.has(file), `README links ${file}`)
})
