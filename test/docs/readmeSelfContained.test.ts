import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// The README is what an npm user reads: everything it points at must be in it or in the package's
// repository, and the examples it shows must be the ones the suite runs.

const root = new URL('../../', import.meta.url)
const readme = readFileSync(new URL('README.md', root), 'utf8')

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')

describe('README', () => {
  it('links only to its own headings, and names no document outside the repository', () => {
    const anchors = new Set([...readme.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)))
    const links = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]!)
    expect(links.length).toBeGreaterThan(10)
    for (const link of links) {
      expect(link, `README link ${link}`).toMatch(/^#/)
      expect(anchors.has(link.slice(1)), `README link ${link} has a heading`).toBe(true)
    }
    expect(readme).not.toMatch(/DESIGN\.md|\.\.\/shared|STACK\.md/)
  })

  it('shows examples/testing/widgets.test.ts verbatim as its test example', () => {
    const source = readFileSync(new URL('examples/testing/widgets.test.ts', root), 'utf8')
    expect(readme).toContain('```ts\n' + source + '```')
  })

  it('the reference server is not in the package: the tarball holds no examples/', () => {
    const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })) as Array<{ files: Array<{ path: string }> }>
    const paths = pack!.files.map((f) => f.path)
    expect(paths).toContain('package.json')
    expect(paths.filter((p) => p.startsWith('examples/'))).toEqual([])
    expect(readme).toMatch(/`examples\/server`[^]*\*\*not in the npm package\*\*/)
  })
})
