import { describe, it, expect } from 'vitest'
import { replyTo, useServerFixture } from './support/serverFixture'
import { DEFAULT_EDIT_GRACE_MS, startDemoTicker } from '../../examples/server/demo'
import type { TestClient } from '../../examples/server/testClient'

const { start, connect } = useServerFixture()

/** Replies on one socket go out in order: once this ECHO is back, everything sent before it was answered. */
const settle = (client: TestClient) => client.request('ECHO', 'settle')

// The ticker's interval is never due in these tests: they run its rounds with tick().
const HOUR = 60 * 60_000

describe('reference server: last op time per widget', () => {
  it('records when a client op for a widget arrived, applied or refused, on the injected clock', async () => {
    let clock = 1_000
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }, { id: 'w-2', value: 0 }], now: () => clock })
    const client = await connect(server)
    expect(server.lastOpAt('w-1')).toBeUndefined()

    client.send({ type: 'WIDGET_UPDATE', id: 'op-1', data: { id: 'w-1', value: 1 } })
    await settle(client)
    expect(server.lastOpAt('w-1')).toBe(1_000)

    clock = 2_000
    server.faults.nackAll = true // someone is editing even when the server refuses the edit
    client.send({ type: 'WIDGET_UPDATE', id: 'op-2', data: { id: 'w-1', value: 2 } })
    await settle(client)
    expect(server.lastOpAt('w-1')).toBe(2_000)
    server.faults.nackAll = false

    // Server-side changes, requests and other message types are no client edit of a widget.
    server.touch('w-2', { value: 5 })
    client.send({ type: 'NOTE', id: 'op-3', data: { id: 'w-2' } })
    await client.request('GET_WIDGETS', { id: 'w-2' })
    expect(server.lastOpAt('w-2')).toBeUndefined()
    // The broadcast carries the same clock.
    expect(await client.next((m) => m.seq !== undefined)).toMatchObject({ ts: 1_000, data: { id: 'w-1', opId: 'op-1' } })
  })
})

describe('demo ticker: edit grace', () => {
  it(`leaves a widget alone for editGraceMs (default ${DEFAULT_EDIT_GRACE_MS} ms) after a client op on it`, async () => {
    let clock = 0
    const now = () => clock
    const server = await start({ widgets: [{ id: 'w-1', value: 50 }, { id: 'w-2', value: 50 }], now })
    const client = await connect(server)
    const ticker = startDemoTicker(server, { intervalMs: HOUR, widgetIds: ['w-1', 'w-2'], random: () => 0.9, now })
    try {
      client.send({ type: 'WIDGET_UPDATE', id: 'op-1', data: { id: 'w-1', value: 10 } })
      expect(await client.next(replyTo('op-1'))).toMatchObject({ type: 'ACK', data: { version: 2 } })

      clock = DEFAULT_EDIT_GRACE_MS - 1
      ticker.tick()
      expect(server.widget('w-1')).toMatchObject({ value: 10, version: 2 }) // the user's value stands
      expect(server.widget('w-2')).toMatchObject({ value: 54, version: 2 }) // the others move

      clock = DEFAULT_EDIT_GRACE_MS
      ticker.tick()
      expect(server.widget('w-1')).toMatchObject({ value: 14, version: 3 })
      expect(server.widget('w-2')).toMatchObject({ value: 58, version: 3 })
    } finally {
      ticker.stop()
    }
  })

  it('takes editGraceMs as an option; 0 never skips', async () => {
    let clock = 0
    const now = () => clock
    const server = await start({ widgets: [{ id: 'w-1', value: 50 }], now })
    const client = await connect(server)
    const patient = startDemoTicker(server, { intervalMs: HOUR, widgetIds: ['w-1'], random: () => 0.9, now, editGraceMs: 60_000 })
    const eager = startDemoTicker(server, { intervalMs: HOUR, widgetIds: ['w-1'], random: () => 0.9, now, editGraceMs: 0 })
    try {
      client.send({ type: 'WIDGET_UPDATE', id: 'op-1', data: { id: 'w-1', value: 10 } })
      await settle(client)
      clock = 59_999
      patient.tick()
      expect(server.widget('w-1')).toMatchObject({ value: 10, version: 2 })
      eager.tick()
      expect(server.widget('w-1')).toMatchObject({ value: 14, version: 3 })
    } finally {
      patient.stop()
      eager.stop()
    }
  })
})
