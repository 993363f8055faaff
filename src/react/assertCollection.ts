import type { Realtime } from '../createRealtime'
import { renamed } from './renamed'

/**
 * Throws the core selectors' error, naming `call` (the hook as the user called it), when
 * `collection` is not declared in `createRealtime({ collections })`.
 *
 * @internal
 */
export function assertCollection(realtime: Realtime<string>, state: unknown, call: string, collection: string): void {
  renamed(call, () => realtime.selectors.selectCollectionStatus(state, collection))
}
