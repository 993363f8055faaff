/**
 * Issue 6, bug 11: a mutation whose `apply` throws says so (the op's `lastError` APPLY_FAILED,
 * once to the logger), is still sent (the server decides) and does not show in the view; the
 * README's recipes work on an entity the client does not hold yet (`apply` gets null).
 */
import { readFileSync } from 'node:fs'
import ts from 'typescript'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWebSocket, openStore, REFUSED, widgetOptions, WidgetServer, type Options } from './support'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

const off = { updates: { BATCH_MODE: 'off' } }
const spyLogger = () => ({ debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() })

/**
 * The `apply` of a mutation as the README's "Collections and optimistic updates" example writes
 * it, compiled from the README's own text.
 */
function readmeApply(mutation: string): (draft: unknown, args: unknown) => unknown {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
  const section = readme.slice(readme.indexOf('## Collections and optimistic updates'))
  const block = section.match(/```ts\n([\s\S]*?)```/)![1]!
  const applyAt = block.indexOf('apply:', block.indexOf(`${mutation}:`))
  let at = block.indexOf('=>', applyAt) + 2
  while (/\s/.test(block[at]!)) at++
  let end: number
  if (block[at] === '{') {
    let depth = 0
    for (end = at; end < block.length; end++) {
      if (block[end] === '{') depth++
      else if (block[end] === '}' && --depth === 0) break
    }
    end++
  } else {
    end = block.indexOf('\n', at)
    while (/[\s,]/.test(block[end - 1]!)) end--
  }
  const source = block.slice(applyAt + 'apply:'.length, end).trim()
  const js = ts.transpileModule(`module.exports = (${source})`, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
  }).outputText
  const module: { exports: unknown } = { exports: undefined }
  new Function('module', 'exports', js)(module, {})
  return module.exports as (draft: unknown, args: unknown) => unknown
}

describe('bug 11: a mutation whose apply throws', () => {
  it('is reported as the op\'s lastError APPLY_FAILED and once to logger.error; the op is sent, the view does not show it', async () => {
    const server = new WidgetServer().seed('w-1', 1, { id: 'w-1', title: 'CPU', value: 1 })
    const logger = spyLogger()
    const explode = {
      collection: 'widgets',
      message: 'WIDGET_UPDATE',
      apply: () => {
        throw new Error('boom')
      },
    }
    const t = await openStore({ logger, mutations: { ...widgetOptions.mutations, explode }, config: off } as Options, server)
    const from = t.seen.length
    let opId = ''
    expect(() => (opId = t.mutate('explode', { id: 'w-1', value: 5 }))).not.toThrow()

    expect(t.seen.slice(from).filter((a) => a.type === REFUSED)).toEqual([])
    const [op] = t.ops()
    expect(op).toMatchObject({ opId, lastError: { name: 'ApplyError', code: 'APPLY_FAILED' } })
    const { message } = op!.lastError!
    expect(message).toContain('explode')
    expect(message).toContain('widgets/w-1')
    expect(message).toContain('boom')
    expect(logger.error.mock.calls.map((call) => call[0])).toEqual([message])
    // The view does not show an effect it could not compute; the server still gets the op.
    expect(t.record('w-1')).toEqual({ confirmed: server.value('w-1'), version: 1, view: server.value('w-1') })
    expect(t.opFrames().map((m) => m.id)).toEqual([opId])
    // Its ACK settles it like any other.
    const ack = server.apply(t.opFrames()[0]!)
    await t.deliver(t.ack(opId, ack))
    expect(t.ops()).toEqual([])
    expect(t.index()).toEqual([])
    expect(t.record('w-1')).toEqual({ confirmed: server.value('w-1'), version: 2, view: server.value('w-1') })
    expect(logger.error).toHaveBeenCalledTimes(1)
  })

  it('names an entity not loaded: apply got null', async () => {
    const logger = spyLogger()
    const unguarded = { collection: 'widgets', message: 'WIDGET_UPDATE', apply: (w: { value: number }, a: { value: number }) => void (w.value = a.value) }
    const t = await openStore({ logger, mutations: { ...widgetOptions.mutations, unguarded }, config: off } as Options)
    t.mutate('unguarded', { id: 'w-404', value: 1 })
    expect(logger.error).toHaveBeenCalledTimes(1)
    expect(logger.error.mock.calls[0]![0]).toMatch(/unguarded\.apply threw on widgets\/w-404 \(the entity is not loaded or was deleted, so apply got null\)/)
  })

  it("the README's updateWidget recipe does not throw for an entity not loaded yet", async () => {
    const apply = readmeApply('updateWidget')
    expect(() => apply(null, { id: 'w-404', value: 42 }), "README's updateWidget apply(null, args)").not.toThrow()

    // The README's recipe in a real store, on an entity the client does not hold: not refused.
    const logger = spyLogger()
    const t = await openStore({ logger, mutations: { ...widgetOptions.mutations, updateWidget: { ...widgetOptions.mutations.updateWidget, apply } }, config: off } as Options)
    const op = t.mutate('updateWidget', { id: 'w-404', value: 42 })
    expect(t.seen.filter((a) => a.type === REFUSED)).toEqual([])
    expect(logger.error).not.toHaveBeenCalled()
    expect(t.ops().map((o) => o.opId)).toEqual([op])
    expect(t.opFrames().map((m) => m.id)).toEqual([op])
  })
})
