import { setOwn } from './setOwn'

/**
 * A map split into buckets by a hash of the key: `{ [bucket]: { [key]: value } }`. Writing one
 * key copies the small top level and one small bucket instead of the whole map: copying a flat
 * 1,000-key object costs about 0.7 ms in V8 (it is in dictionary mode), a bucket write about
 * 0.3 µs. Bucket ids are integer strings, which V8 stores as fast array elements. Plain data.
 */
export type Buckets<T> = Record<string, Record<string, T>>

/** How many buckets a map is split into. */
const BUCKET_COUNT = 512

/** The bucket of a key among `count` (a power of two): FNV-1a over its UTF-16 code units. */
export function bucketOf(key: string, count = BUCKET_COUNT): string {
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return String((hash >>> 0) & (count - 1))
}

/** The value at a key (in its bucket, when the caller already hashed it), or undefined. */
export function bucketGet<T>(map: Buckets<T>, key: string, bucket = bucketOf(key)): T | undefined {
  const entries = map[bucket]
  return entries !== undefined && Object.hasOwn(entries, key) ? entries[key] : undefined
}

/** Calls `visit` for every entry, bucket by bucket. */
export function bucketEach<T>(map: Buckets<T>, visit: (value: T, key: string) => void): void {
  for (const id of Object.keys(map)) {
    const bucket = map[id]!
    for (const key of Object.keys(bucket)) visit(bucket[key]!, key)
  }
}

/** Every value, bucket by bucket. */
export function bucketValues<T>(map: Buckets<T>): T[] {
  const values: T[] = []
  bucketEach(map, (value) => values.push(value))
  return values
}

/**
 * How a {@link BucketDraft} copies a map's top level and its buckets: `(map) => ({ ...map })`,
 * written out once per kind of map. V8 keeps a fast clone for a spread site only while the site
 * sees few shapes; entity maps, lanes and the op index have shapes of their own, and sharing one
 * site between them made copying a 500-bucket top level about 40 times slower (125 µs, not 3).
 */
export interface BucketCopiers<T> {
  top(map: Buckets<T>): Buckets<T>
  /** A copy of a bucket, without the entry `except` when given. */
  bucket(entries: Record<string, T>, except?: string): Record<string, T>
  /** Stores an entry in a bucket, as an own property whatever its key (see `setOwn`). */
  set(entries: Record<string, T>, key: string, value: T): void
}

/**
 * Copy-on-write edits of a bucketed map within one reducer step: the top level is copied once,
 * each bucket once however many of its keys change, and the input map is never written. Keys
 * are stored as own properties, `"__proto__"` included.
 */
export class BucketDraft<T> {
  private map: Buckets<T>
  private topCopied = false
  private readonly copied = new Set<string>()
  /** A bucket was emptied in this draft: the map may have nothing left. */
  private emptied = false

  /**
   * @param copy how the top level and a bucket are copied: `(map) => ({ ...map })`, with function
   * literals of their own for each kind of map (see {@link BucketCopiers}).
   */
  constructor(
    private readonly base: Buckets<T>,
    private readonly copy: BucketCopiers<T>,
  ) {
    this.map = base
  }

  get(key: string, bucket = bucketOf(key)): T | undefined {
    return bucketGet(this.map, key, bucket)
  }

  set(key: string, value: T, bucket = bucketOf(key)): void {
    this.copy.set(this.writable(bucket), key, value)
  }

  delete(key: string, bucket = bucketOf(key)): void {
    const entries = this.map[bucket]
    if (entries === undefined || !Object.hasOwn(entries, key)) return
    // Rebuilt without the key rather than `delete`d from: deleting turns an object into a
    // dictionary, and every later copy of it takes V8's slow path. An emptied bucket stays (taking
    // it out of the top level costs a rebuild of it, about 10 µs at a hundred buckets) until the
    // whole map is empty: see `result`.
    this.writableTop()
    this.map[bucket] = this.copy.bucket(entries, key)
    this.copied.add(bucket)
    // Emptied when the key was its only one: the first other key found says otherwise.
    for (const k in entries) if (k !== key) return
    this.emptied = true
  }

  /** The map as edited so far (buckets emptied by this draft may still be there). */
  get result(): Buckets<T> {
    return this.map
  }

  /**
   * The edited map to store: the input itself when nothing changed, `{}` once nothing is left in
   * it. `mayBeEmpty` says when to look (the caller's counts tell when nothing may be left), since
   * looking means walking the buckets.
   */
  finish(mayBeEmpty = true): Buckets<T> {
    if (this.emptied && mayBeEmpty && !hasEntries(this.map)) {
      this.map = {}
      this.copied.clear()
    }
    this.emptied = false
    return this.map
  }

  get changed(): boolean {
    return this.map !== this.base
  }

  private writableTop(): void {
    if (!this.topCopied) {
      this.map = this.copy.top(this.map)
      this.topCopied = true
    }
  }

  private writable(bucket: string): Record<string, T> {
    this.writableTop()
    if (!this.copied.has(bucket)) {
      this.map[bucket] = this.copy.bucket(this.map[bucket] ?? {})
      this.copied.add(bucket)
    }
    return this.map[bucket]!
  }
}

// Bucket ids are integer strings: no prototype key can be among them.
// Stops at the first entry: when anything is left, that is usually the first bucket looked at.
function hasEntries<T>(map: Buckets<T>): boolean {
  for (const id in map) for (const _ in map[id]) return true
  return false
}

/**
 * A bucket copier for keys that rarely repeat (op ids): such buckets are best kept as dictionaries
 * (prototype-less objects, copied key by key). Giving each its own hidden class, as a spread does,
 * measured about 7 times slower at 20 keys a bucket.
 */
export function copyDictionary<V>(entries: Record<string, V>, except?: string): Record<string, V> {
  const copy = Object.create(null) as Record<string, V>
  for (const k in entries) if (k !== except) copy[k] = entries[k]!
  return copy
}

/** A bucket copier for keys that repeat (entity keys, lanes): a spread, or a rebuild without one key. */
export function copyShaped<V>(entries: Record<string, V>, except?: string): Record<string, V> {
  if (except === undefined) return { ...entries }
  const copy: Record<string, V> = {}
  for (const k of Object.keys(entries)) if (k !== except) setOwn(copy, k, entries[k]!)
  return copy
}
