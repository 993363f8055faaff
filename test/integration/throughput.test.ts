import { createSlice } from '@reduxjs/toolkit'
import { afterEach, describe, expect, it } from 'vitest'
import type { InboundAction } from 'rtk-realtime'
import { cleanup, createClient, startTestServer, until } from './support/harness'

afterEach(cleanup)

const COUNT = 10_000

type Tick = InboundAction<{ i: number }>
const isTick = (action: { type: string }): action is Tick => action.type === 'ticks/received'

// Checks the order in the store itself, with O(1) state so RTK's checks stay cheap per action.
const ticks = createSlice({
  name: 'ticks',
  initialState: { count: 0, next: 0, outOfOrder: 0, lastSeq: null as number | null, seqGaps: 0 },
  reducers: {},
  extraReducers: (builder) =>
    builder.addMatcher(isTick, (state, action) => {
      if (action.payload.i !== state.next) state.outOfOrder += 1
      const seq = action.meta.realtime.seq!
      if (state.lastSeq !== null && seq !== state.lastSeq + 1) state.seqGaps += 1
      state.lastSeq = seq
      state.next = action.payload.i + 1
      state.count += 1
    }),
})

describe('bulk inbound messages', () => {
  it(`delivers ${COUNT} messages as actions, in order, none lost`, async () => {
    const server = await startTestServer()
    const payloads: number[] = []
    const seqs: number[] = []
    const client = createClient({
      url: server.url,
      inbound: { TICK: 'ticks/received' },
      reducers: { ticks: ticks.reducer },
      // The heartbeat is not under test here; a PONG queued behind 10,000 frames must not race it.
      config: { websocket: { HEARTBEAT_INTERVAL: 0 } },
      // RTK's serializability and immutability checks stay on for every one of the 10,000 actions.
      checksWarnAfter: 1000,
      onAction: (action) => {
        if (!isTick(action)) return
        payloads.push(action.payload.i)
        seqs.push(action.meta.realtime.seq!)
      },
    })
    await client.waitForStatus('open')
    await server.waitForClients(1)

    const started = performance.now()
    await server.blast(COUNT, (i) => ({ type: 'TICK', data: { i } }))
    await until(() => payloads.length >= COUNT, () => `${COUNT} ticks (got ${payloads.length})`, 15_000)
    const elapsed = performance.now() - started

    expect(payloads).toHaveLength(COUNT)
    expect(payloads).toEqual(Array.from({ length: COUNT }, (_, i) => i))
    // A fresh server numbers its broadcasts 1, 2, 3, ...
    expect(seqs[0]).toBe(1)
    const steps = seqs.slice(1).map((seq, k) => seq - seqs[k]!)
    expect(steps.every((step) => step === 1)).toBe(true)
    expect(seqs.at(-1)).toBe(COUNT)

    expect((client.store.getState() as unknown as { ticks: ReturnType<typeof ticks.reducer> }).ticks).toEqual({
      count: COUNT,
      next: COUNT,
      outOfOrder: 0,
      lastSeq: COUNT,
      seqGaps: 0,
    })
    expect(client.connection()).toMatchObject({ status: 'open', received: COUNT, rejected: 0 })
    expect(client.ofType('realtime/connection/closed')).toHaveLength(0)
    // For the report: throughput through the full middleware chain with the checks on.
    console.info(`[throughput] ${COUNT} messages in ${elapsed.toFixed(0)} ms`)
  })
})
