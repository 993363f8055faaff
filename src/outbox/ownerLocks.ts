/**
 * The part of the Web Locks API (`navigator.locks`) the outbox uses: a page holds a lock named
 * after itself for its whole life, so another page of the same user can tell whether the owner of
 * a persisted op is alive, and take the op over when it is gone.
 */
export interface LockManagerLike {
  request(name: string, callback: (lock: unknown) => unknown): Promise<unknown>
  request(name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown) => unknown): Promise<unknown>
}

/** Who may replay which persisted op: pages of one user share a storage, and an op is delivered by one page only. */
export interface OwnerLocks {
  /** Marks `owner` (this page) alive until the page goes away. */
  hold(owner: string): void
  /** Whether the page of `owner` is alive (holds its lock) right now. */
  isAlive(owner: string): Promise<boolean>
  /** Calls `adopt` once `owner` is gone: at once when it is not alive, else when its page closes. */
  whenGone(owner: string, adopt: () => Promise<void> | void): void
  /**
   * Tells the other live pages of this namespace about `owner`, and calls `onPeer` for each of
   * them (also those that start later), so every page can take over a closed page's ops.
   */
  meetPeers(owner: string, onPeer: (peer: string) => void): () => void
}

/** The part of `BroadcastChannel` used to meet the other pages. */
export interface ChannelLike {
  postMessage(message: unknown): void
  close(): void
  /** Node's channels keep the process alive unless unref'd. */
  unref?(): void
  onmessage: ((event: { data: unknown }) => void) | null
}

const lockName = (namespace: string, owner: string) => `rtk-realtime:${namespace}:${owner}`

/**
 * Owner locks on the Web Locks API. Without one (Node, old browsers) there is one instance per
 * storage as far as the outbox can know, so every owner counts as gone: a reload takes over all
 * of its ops.
 */
export function createOwnerLocks(
  namespace: string,
  locks: LockManagerLike | null | undefined,
  openChannel: ((name: string) => ChannelLike) | undefined = defaultChannel(),
): OwnerLocks {
  if (!locks) return { hold() {}, isAlive: async () => false, whenGone: (_owner, adopt) => void adopt(), meetPeers: () => () => {} }
  const holding = new Set<string>()
  return {
    async isAlive(owner) {
      // Granted (lock !== null) only when nobody holds it: then its page is gone.
      const granted = await locks.request(lockName(namespace, owner), { ifAvailable: true }, (lock) => lock !== null).catch(() => false)
      return granted !== true
    },
    meetPeers(owner, onPeer) {
      if (!openChannel) return () => {}
      const channel = openChannel(lockName(namespace, 'peers'))
      channel.unref?.()
      channel.onmessage = ({ data }) => {
        const { hello, here } = (data ?? {}) as { hello?: unknown; here?: unknown }
        if (typeof hello === 'string' && hello !== owner) {
          channel.postMessage({ here: owner })
          onPeer(hello)
        } else if (typeof here === 'string' && here !== owner) {
          onPeer(here)
        }
      }
      channel.postMessage({ hello: owner })
      return () => channel.close()
    },
    hold(owner) {
      if (holding.has(owner)) return
      holding.add(owner)
      // Never released while the page lives: the browser releases it when the page goes away.
      void locks.request(lockName(namespace, owner), () => new Promise<never>(() => {})).catch(() => {})
    },
    whenGone(owner, adopt) {
      // Granted once the owner's page released its lock (closed); held while its ops are taken over.
      void locks.request(lockName(namespace, owner), () => adopt()).catch(() => {})
    },
  }
}

function defaultChannel(): ((name: string) => ChannelLike) | undefined {
  const Channel = (globalThis as { BroadcastChannel?: new (name: string) => ChannelLike }).BroadcastChannel
  return Channel && ((name) => new Channel(name))
}

/** `navigator.locks` where there is one. */
export function defaultLockManager(): LockManagerLike | undefined {
  return (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks
}
