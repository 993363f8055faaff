import { deepFreeze } from './deepFreeze'
import { defaultConfig } from './defaults'
import { detectEnvironment, ENVIRONMENTS } from './environment'
import { formatValue } from './formatValue'
import { mergeConfig } from './mergeConfig'
import { CONFIG_SECTIONS, isConfigSection } from './optionRules'
import { validateConfig, validateConfigInput, validateCreateConfigOptions } from './validateConfig'
import type {
  ConfigPath,
  ConfigPathValue,
  Environment,
  FeatureFlag,
  RealtimeConfig,
  RealtimeConfigInput,
} from './types'

export { detectEnvironment } from './environment'

/** What `createConfig` accepts as its second argument. */
export interface CreateConfigOptions {
  /**
   * Which `environments` overrides to apply.
   * @default detectEnvironment() (from `NODE_ENV`)
   */
  environment?: Environment
}

/** A validated, deep-frozen configuration with path lookup. Its methods work when destructured. */
export interface ResolvedConfig {
  /** The environment whose overrides were applied. */
  readonly environment: Environment
  /** Every option's value: defaults, then the input, then the environment's overrides. Deep-frozen. */
  readonly values: RealtimeConfig
  /**
   * The value of one option, e.g. `getConfig('websocket.URL')`.
   * @throws {TypeError} for a path that names no option.
   */
  getConfig<P extends ConfigPath>(path: P): ConfigPathValue<P>
  /**
   * Whether a feature flag is on, e.g. `isFeatureEnabled('ENABLE_WEBSOCKET')`.
   * @throws {TypeError} for a name that is not a feature flag.
   */
  isFeatureEnabled(flag: FeatureFlag): boolean
}

/**
 * Resolves a configuration: `defaultConfig`, then `input` (without `environments`), then
 * `input.environments[environment]`, merged option by option. The input is validated first and
 * never mutated; the result is deep-frozen.
 *
 * The merged result of every environment is validated, not only the active one's, so a
 * production-only mistake already fails in development and in tests.
 *
 * @throws {RealtimeConfigError} for an unknown option, an invalid value, or an invalid `options.environment`.
 */
export function createConfig(input?: RealtimeConfigInput, options?: CreateConfigOptions): ResolvedConfig {
  const environment = validateCreateConfigOptions(options).environment ?? detectEnvironment()
  const { environments, ...base } = validateConfigInput(input)

  const resolve = (name: Environment): RealtimeConfig => {
    const overrides = environments?.[name]
    const merged = mergeConfig(defaultConfig, base, overrides)
    // Name the environment only when its own overrides took part; otherwise the base is at fault.
    validateConfig(merged, overrides === undefined ? undefined : name)
    return merged
  }
  const values = deepFreeze(resolve(environment))
  for (const other of ENVIRONMENTS) if (other !== environment) resolve(other)

  function getConfig<P extends ConfigPath>(path: P): ConfigPathValue<P> {
    const dot = typeof path === 'string' ? path.indexOf('.') : -1
    const section = dot > 0 ? path.slice(0, dot) : undefined
    const key = dot > 0 ? path.slice(dot + 1) : ''
    if (isConfigSection(section)) {
      const options = values[section] as object as Readonly<Record<string, unknown>>
      if (Object.hasOwn(options, key)) return options[key] as ConfigPathValue<P>
      throw new TypeError(
        `rtk-realtime: getConfig(${formatValue(path)}): unknown config path. ` +
          `Known paths in "${section}": ${Object.keys(options).join(', ')}`,
      )
    }
    throw new TypeError(
      `rtk-realtime: getConfig(${formatValue(path)}): unknown config path. ` +
        `Paths look like "section.OPTION"; known sections: ${CONFIG_SECTIONS.join(', ')}`,
    )
  }

  function isFeatureEnabled(flag: FeatureFlag): boolean {
    const features = values.features as object as Readonly<Record<string, boolean>>
    if (typeof flag === 'string' && Object.hasOwn(features, flag)) return features[flag] === true
    throw new TypeError(
      `rtk-realtime: isFeatureEnabled(${formatValue(flag)}): unknown feature flag. ` +
        `Known flags: ${Object.keys(features).join(', ')}`,
    )
  }

  return Object.freeze({ environment, values, getConfig, isFeatureEnabled })
}
