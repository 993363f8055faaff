import { configureStore } from '@reduxjs/toolkit'
import { createApi, fakeBaseQuery } from '@reduxjs/toolkit/query'
import { describe, expectTypeOf, it } from 'vitest'
import { createRealtime, type DataStatus, type SyncState, type SyncStatus } from 'rtk-realtime'

describe('sync types', () => {
  it('state, selectors and actions are typed', () => {
    const realtime = createRealtime({ collections: { widgets: { updates: ['WIDGET_UPDATE'] } } })
    const store = configureStore({ reducer: { [realtime.reducerPath]: realtime.reducer } })
    expectTypeOf(store.getState().realtime.sync).toEqualTypeOf<SyncState>()
    expectTypeOf(realtime.selectors.selectSyncStatus(store.getState())).toEqualTypeOf<SyncStatus>()
    expectTypeOf(realtime.selectors.selectEntityStatus(store.getState(), 'widgets', 'w-1')).toEqualTypeOf<DataStatus>()
    expectTypeOf(realtime.actions.refresh()).toMatchTypeOf<{ type: string; payload: { at: number } }>()
    expectTypeOf(realtime.actions.refreshWidget).parameters.toEqualTypeOf<[key: string, collection?: string | undefined]>()
  })

  it('sync.invalidate takes a real RTK Query api; load returns entities', () => {
    const api = createApi({
      baseQuery: fakeBaseQuery(),
      tagTypes: ['Widget'],
      endpoints: (build) => ({ widget: build.query<unknown, string>({ queryFn: () => ({ data: null }), providesTags: (_r, _e, id) => [{ type: 'Widget', id }] }) }),
    })
    createRealtime({
      collections: { widgets: { updates: ['WIDGET_UPDATE'], load: async ({ signal }) => (await fetch('/widgets', { signal })).json() } },
      sync: { invalidate: { api, tags: ({ keys }) => keys.map((id) => ({ type: 'Widget' as const, id })) } },
    })
    createRealtime({ sync: false })
    // @ts-expect-error sync is false or an object
    createRealtime({ sync: true })
  })
})
