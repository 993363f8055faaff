/**
 * The package's hooks, typed from the dashboard's instance (README, "React"): `useEntity('widgets',
 * id).data` is a `Widget`, a misspelt collection or mutation does not compile, and `useRealtime()`
 * has the instance's mutation creators. The hooks still read the instance of `<RealtimeProvider>`
 * (./main.tsx), which is this one.
 */
import { createRealtimeHooks } from 'rtk-realtime/react'
import { realtime } from './store'

export const { useEntity, useRealtime } = createRealtimeHooks(realtime)
