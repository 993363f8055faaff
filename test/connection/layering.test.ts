/**
 * Issue 6: the connection layer knows no op. It hands decoded frames to a chain of frame handlers
 * the parts above it register; it imports nothing from optimistic/ (the circle handleFrame ->
 * op runtime -> handleFrame is gone). The import graph is the one `node scripts/src-imports.mjs`
 * prints for the closing note.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const script = fileURLToPath(new URL('../../scripts/src-imports.mjs', import.meta.url))
const graph = JSON.parse(execFileSync(process.execPath, [script, '--json'], { encoding: 'utf8' })) as Record<string, Record<string, number>>

describe('src/ layering', () => {
  it('the script sees the imports it must see (optimistic/ uses connection/ and util/)', () => {
    // Without these the check below could pass on a graph that read nothing.
    expect(graph.optimistic?.connection).toBeGreaterThan(0)
    expect(graph.optimistic?.util).toBeGreaterThan(0)
    expect(Object.keys(graph.connection ?? {})).toContain('protocol')
  })

  it('connection/ imports nothing from optimistic/ (nor from the parts built on it)', () => {
    const imported = Object.keys(graph.connection ?? {})
    expect(imported).not.toContain('optimistic')
    expect(imported).not.toContain('collections')
    expect(imported).not.toContain('sync')
    expect(imported).not.toContain('outbox')
  })

  it('util/, protocol/ and world/ import no other folder of src/', () => {
    expect(graph.util ?? {}).toEqual({})
    expect(graph.protocol ?? {}).toEqual({})
    expect(graph.world ?? {}).toEqual({})
  })
})
