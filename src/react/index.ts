/**
 * `rtk-realtime/react`: thin hooks over a realtime instance. They select and dispatch; the socket
 * belongs to the store's middleware, never to a component.
 */
export { RealtimeProvider } from './RealtimeProvider'
export type { RealtimeProviderProps } from './RealtimeProvider'
export { RealtimeContext } from './RealtimeContext'
export { useRealtime } from './useRealtime'
export { useConnectionStatus } from './useConnectionStatus'
export { useWebSocket } from './useWebSocket'
export type { UseWebSocketOptions, UseWebSocketResult } from './useWebSocket'
export type { MessageHandler } from './messageListener'
export { useOptimisticUpdate } from './useOptimisticUpdate'
export type { UseOptimisticUpdateResult } from './useOptimisticUpdate'
export { useRealtimeUpdates } from './useRealtimeUpdates'
export type { UseRealtimeUpdatesResult } from './useRealtimeUpdates'
export { useSyncStatus } from './useSyncStatus'
export type { UseSyncStatusResult } from './useSyncStatus'
export { useEntity } from './useEntity'
export type { UseEntityResult } from './useEntity'
export { usePendingOps } from './usePendingOps'
export { useConflicts } from './useConflicts'
export type { UseConflictsResult } from './useConflicts'
