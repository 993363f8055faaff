import { describe, expectTypeOf, it } from 'vitest'
import type { CollectionSyncState, Conflict, DataStatus, Op, OutboxState, RealtimeError, SyncReason, SyncStatus } from 'rtk-realtime'
import {
  useBackgroundSync,
  useConflicts,
  useEntity,
  usePendingOps,
  useSyncStatus,
  type SyncEvent,
  type UseBackgroundSyncOptions,
  type UseBackgroundSyncResult,
  type UseConflictsResult,
  type UseEntityResult,
  type UseSyncStatusResult,
} from 'rtk-realtime/react'

interface Widget {
  id: string
  value: number
}

describe('sync and entity hooks types', () => {
  it('useBackgroundSync: options and result', () => {
    expectTypeOf(useBackgroundSync).parameters.toEqualTypeOf<[options?: UseBackgroundSyncOptions]>()
    expectTypeOf(useBackgroundSync).returns.toEqualTypeOf<UseBackgroundSyncResult>()
    expectTypeOf<UseBackgroundSyncResult>().toEqualTypeOf<{
      status: SyncStatus
      isOnline: boolean
      queueSize: number
      lastSyncAt: number | null
      lastError: RealtimeError | null
      refresh(): void
      refreshWidget(key: string, collection?: string): void
    }>()
    expectTypeOf<SyncEvent>().toEqualTypeOf<{ at: number; reason: SyncReason | null }>()
    expectTypeOf<UseBackgroundSyncOptions>().toEqualTypeOf<{
      onSync?: (event: SyncEvent) => void
      onError?: (error: RealtimeError) => void
      onOnline?: () => void
      onOffline?: () => void
    }>()
    useBackgroundSync({ onSync: ({ at, reason }) => void [at.toFixed(), reason?.toUpperCase()], onError: (error) => void error.message })
    // @ts-expect-error onOnline takes no arguments
    useBackgroundSync({ onOnline: (x: number) => void x })
  })

  it('useSyncStatus: the result', () => {
    expectTypeOf(useSyncStatus).parameters.toEqualTypeOf<[]>()
    expectTypeOf(useSyncStatus()).toEqualTypeOf<UseSyncStatusResult>()
    expectTypeOf<UseSyncStatusResult>().toEqualTypeOf<{
      status: SyncStatus
      lastSyncAt: number | null
      lastError: RealtimeError | null
      lastReason: SyncReason | null
      isOnline: boolean
      queueSize: number
      outbox: OutboxState
      collections: Readonly<Record<string, CollectionSyncState>>
    }>()
  })

  it('useEntity: typed by its generic, unknown without it', () => {
    const widget = useEntity<Widget>('widgets', 'w-1')
    expectTypeOf(widget).toEqualTypeOf<UseEntityResult<Widget>>()
    expectTypeOf(widget.data).toEqualTypeOf<Widget | null | undefined>()
    expectTypeOf(widget.status).toEqualTypeOf<DataStatus>()
    expectTypeOf<UseEntityResult<Widget>>().toEqualTypeOf<{
      data: Widget | null | undefined
      status: DataStatus
      loading: boolean
      stale: boolean
      pending: boolean
      deleted: boolean
      version: number
    }>()
    expectTypeOf(useEntity('widgets', 'w-1').data).toEqualTypeOf<unknown>()
    // @ts-expect-error the key is a string
    useEntity('widgets', 1)
  })

  it('usePendingOps and useConflicts', () => {
    expectTypeOf(usePendingOps()).toEqualTypeOf<readonly Op[]>()
    expectTypeOf(usePendingOps('widgets')).toEqualTypeOf<readonly Op[]>()
    expectTypeOf(usePendingOps).parameters.toEqualTypeOf<[collection?: string]>()
    expectTypeOf(useConflicts()).toEqualTypeOf<UseConflictsResult>()
    expectTypeOf<UseConflictsResult>().toEqualTypeOf<{ conflicts: readonly Conflict[]; clear(): void }>()
  })
})
