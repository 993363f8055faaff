import type { RealtimeConfig, RealtimeConfigOverrides } from './types'

/**
 * Layers overrides onto a complete config, later layers winning, option by option (config has
 * exactly two levels: `section.OPTION`). Returns fresh objects and never mutates its arguments.
 *
 * Only the options that exist in `base` are read, and only as own properties, so an override can
 * neither add keys nor pull values from a prototype. Options set to `undefined` are skipped, so
 * `{ URL: process.env.WS_URL }` falls back to the default when the variable is unset.
 */
export function mergeConfig(
  base: RealtimeConfig,
  ...layers: readonly (RealtimeConfigOverrides | undefined)[]
): RealtimeConfig {
  const merged: Record<string, Record<string, unknown>> = {}
  for (const [section, defaults] of Object.entries(base) as [string, Record<string, unknown>][]) {
    const target = { ...defaults }
    for (const layer of layers) {
      const overrides = ownValue(layer, section)
      if (typeof overrides !== 'object' || overrides === null) continue
      for (const key of Object.keys(defaults)) {
        const value = ownValue(overrides, key)
        if (value !== undefined) target[key] = value
      }
    }
    merged[section] = target
  }
  return merged as unknown as RealtimeConfig
}

function ownValue(source: object | undefined, key: string): unknown {
  return source !== undefined && Object.hasOwn(source, key) ? (source as Record<string, unknown>)[key] : undefined
}
