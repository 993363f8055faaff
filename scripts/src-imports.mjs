#!/usr/bin/env node
/**
 * Which folder of src/ imports which: reads every `import … from '…'`, `export … from '…'` and
 * `import('…')` of src/**\/*.ts(x) (type-only imports included: they are dependencies of the code
 * too) and prints, per folder, the folders its files import, with the number of import statements.
 * Files directly in src/ count as "(root)". Package imports are left out.
 *
 *   node scripts/src-imports.mjs           a Markdown table
 *   node scripts/src-imports.mjs --json    { [folder]: { [imported folder]: count } }
 *
 * test/connection/layering.test.ts uses `folderImports()` to keep connection/ free of optimistic/.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const SPECIFIER = /(?:^|[\s;}])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return /\.tsx?$/.test(entry.name) && !/\.test(-d)?\.tsx?$/.test(entry.name) ? [path] : []
  })
}

/** The top folder of a path inside src/, or "(root)" for a file directly in src/. */
function folderOf(srcDir, path) {
  const parts = relative(srcDir, path).split(sep)
  return parts.length > 1 ? parts[0] : '(root)'
}

/** `{ [folder]: { [imported folder]: number of import statements } }`, a folder's imports of itself left out. */
export function folderImports(srcDir = fileURLToPath(new URL('../src', import.meta.url))) {
  const graph = {}
  for (const file of sourceFiles(srcDir)) {
    const from = folderOf(srcDir, file)
    graph[from] ??= {}
    for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const specifier = match[1] ?? match[2] ?? match[3]
      if (!specifier.startsWith('.')) continue
      const to = folderOf(srcDir, resolve(dirname(file), specifier))
      if (to !== from) graph[from][to] = (graph[from][to] ?? 0) + 1
    }
  }
  return graph
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const graph = folderImports()
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(graph, null, 2))
  } else {
    console.log('| folder | imports (import statements) |\n| --- | --- |')
    for (const from of Object.keys(graph).sort()) {
      const targets = Object.entries(graph[from]).sort(([a], [b]) => a.localeCompare(b))
      console.log(`| ${from} | ${targets.map(([to, n]) => `${to} (${n})`).join(', ') || '—'} |`)
    }
  }
}
