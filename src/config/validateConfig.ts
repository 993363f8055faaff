import { ENVIRONMENTS, isEnvironment } from './environment'
import { formatValue } from './formatValue'
import { isPlainObject } from '../util/isPlainObject'
import { CONFIG_SECTIONS, isConfigSection, optionNames, optionRules } from './optionRules'
import { RealtimeConfigError } from './RealtimeConfigError'
import type { Environment, RealtimeConfig, RealtimeConfigInput, RealtimeConfigOverrides } from './types'

export { RealtimeConfigError } from './RealtimeConfigError'

const PREFIX = 'rtk-realtime: '

/**
 * Checks what a user handed to `createConfig` and returns a clean copy of it: plain objects that
 * hold only known, defined options, each value valid on its own. Cross-option rules need the merged
 * result and are checked by {@link validateConfig}.
 *
 * Every own string key is inspected (non-enumerable ones too) and only own keys are read, so a typo
 * or a `__proto__` / `constructor` / `prototype` key is reported instead of silently ignored or
 * followed. Options set to `undefined` count as not set. The input is never mutated.
 *
 * @throws {RealtimeConfigError} naming the first offending option and its value.
 */
export function validateConfigInput(input: unknown): RealtimeConfigInput {
  if (input === undefined) return {}
  if (!isPlainObject(input)) {
    throw new RealtimeConfigError(`${PREFIX}config must be a plain object, got ${formatValue(input)}`, '', input)
  }
  const result: RealtimeConfigInput = {}
  for (const key of Object.getOwnPropertyNames(input)) {
    const value = input[key]
    if (key === 'environments') {
      const environments = checkEnvironments(value)
      if (environments !== undefined) result.environments = environments
    } else if (isConfigSection(key)) {
      setSection(result, key, checkSection(key, value, key, false))
    } else {
      throw unknownOption(key, value, `Known sections: ${[...CONFIG_SECTIONS, 'environments'].join(', ')}`)
    }
  }
  return result
}

/**
 * Checks a complete configuration: every section a plain object with exactly the known options,
 * every option valid, and the cross-option rule `websocket.RECONNECT_MAX_DELAY >=
 * websocket.RECONNECT_DELAY`. `createConfig` runs it on the merged result of every environment.
 *
 * @param environment When given, messages say which environment's merged result failed.
 * @throws {RealtimeConfigError} naming the first offending option and its value.
 */
export function validateConfig(config: unknown, environment?: Environment): asserts config is RealtimeConfig {
  const where = environment === undefined ? '' : ` (in the "${environment}" environment)`
  try {
    checkComplete(config)
  } catch (error) {
    throw error instanceof RealtimeConfigError && where !== ''
      ? new RealtimeConfigError(error.message + where, error.option, error.value)
      : error
  }
  const { RECONNECT_DELAY, RECONNECT_MAX_DELAY } = config.websocket
  if (RECONNECT_MAX_DELAY < RECONNECT_DELAY) {
    throw new RealtimeConfigError(
      `${PREFIX}config option "websocket.RECONNECT_MAX_DELAY" must be >= "websocket.RECONNECT_DELAY" ` +
        `(${formatValue(RECONNECT_DELAY)}), got ${formatValue(RECONNECT_MAX_DELAY)}${where}`,
      'websocket.RECONNECT_MAX_DELAY',
      RECONNECT_MAX_DELAY,
    )
  }
}

/**
 * Checks the options argument of `createConfig`.
 *
 * @throws {RealtimeConfigError} for a non-object, an unknown option, or an unknown environment name.
 */
export function validateCreateConfigOptions(options: unknown): { environment?: Environment } {
  if (options === undefined) return {}
  if (!isPlainObject(options)) {
    throw new RealtimeConfigError(
      `${PREFIX}createConfig options must be a plain object, got ${formatValue(options)}`,
      '',
      options,
    )
  }
  for (const key of Object.getOwnPropertyNames(options)) {
    if (key !== 'environment') {
      throw new RealtimeConfigError(
        `${PREFIX}unknown createConfig option "${key}" (value: ${formatValue(options[key])}). Known options: environment`,
        key,
        options[key],
      )
    }
  }
  const environment = Object.hasOwn(options, 'environment') ? options.environment : undefined
  if (environment === undefined) return {}
  if (!isEnvironment(environment)) {
    throw new RealtimeConfigError(
      `${PREFIX}createConfig option "environment" must be one of ${ENVIRONMENTS.join(', ')}, ` +
        `got ${formatValue(environment)}`,
      'environment',
      environment,
    )
  }
  return { environment }
}

/** Every section present with exactly its known options, each valid on its own. */
function checkComplete(config: unknown): asserts config is RealtimeConfig {
  if (!isPlainObject(config)) {
    throw new RealtimeConfigError(`${PREFIX}config must be a plain object, got ${formatValue(config)}`, '', config)
  }
  for (const key of Object.getOwnPropertyNames(config)) {
    if (!isConfigSection(key)) throw unknownOption(key, config[key], `Known sections: ${CONFIG_SECTIONS.join(', ')}`)
  }
  for (const section of CONFIG_SECTIONS) {
    checkSection(section, Object.hasOwn(config, section) ? config[section] : undefined, section, true)
  }
}

function checkEnvironments(value: unknown): RealtimeConfigInput['environments'] {
  if (value === undefined) return undefined
  if (!isPlainObject(value)) throw notAnObject('environments', value)
  const result: NonNullable<RealtimeConfigInput['environments']> = {}
  for (const name of Object.getOwnPropertyNames(value)) {
    const overrides = value[name]
    const path = `environments.${name}`
    if (!isEnvironment(name)) throw unknownOption(path, overrides, `Known environments: ${ENVIRONMENTS.join(', ')}`)
    if (overrides === undefined) continue
    result[name] = checkOverrides(overrides, path)
  }
  return result
}

/** One environment's overrides: sections only (no nested `environments`). */
function checkOverrides(value: unknown, path: string): RealtimeConfigOverrides {
  if (!isPlainObject(value)) throw notAnObject(path, value)
  const result: RealtimeConfigOverrides = {}
  for (const key of Object.getOwnPropertyNames(value)) {
    const sectionPath = `${path}.${key}`
    if (!isConfigSection(key)) {
      throw unknownOption(sectionPath, value[key], `Known sections: ${CONFIG_SECTIONS.join(', ')}`)
    }
    setSection(result, key, checkSection(key, value[key], sectionPath, false))
  }
  return result
}

/**
 * Checks one section and returns a fresh object holding its defined options. With `complete`,
 * every option must be present (a missing one is reported as `got undefined`).
 */
function checkSection(
  section: keyof RealtimeConfig,
  value: unknown,
  path: string,
  complete: boolean,
): Record<string, unknown> | undefined {
  if (value === undefined && !complete) return undefined
  if (!isPlainObject(value)) throw notAnObject(path, value)
  const rules: Readonly<Record<string, (value: unknown) => string | undefined>> = optionRules[section]
  const known = optionNames(section)
  const result: Record<string, unknown> = {}
  for (const key of Object.getOwnPropertyNames(value)) {
    if (!known.includes(key)) {
      throw unknownOption(`${path}.${key}`, value[key], `Known options in "${section}": ${known.join(', ')}`)
    }
  }
  for (const key of known) {
    const option = Object.hasOwn(value, key) ? value[key] : undefined
    if (option === undefined && !complete) continue
    const requirement = rules[key]?.(option)
    if (requirement !== undefined) {
      throw new RealtimeConfigError(
        `${PREFIX}config option "${path}.${key}" ${requirement}, got ${formatValue(option)}`,
        `${path}.${key}`,
        option,
      )
    }
    result[key] = option
  }
  return result
}

function setSection(target: RealtimeConfigOverrides, section: keyof RealtimeConfig, value: object | undefined): void {
  // The section name comes from a fixed list, so this assignment can never hit `__proto__`.
  if (value !== undefined) (target as Record<string, object>)[section] = value
}

function unknownOption(path: string, value: unknown, known: string): RealtimeConfigError {
  return new RealtimeConfigError(
    `${PREFIX}unknown config option "${path}" (value: ${formatValue(value)}). ${known}`,
    path,
    value,
  )
}

function notAnObject(path: string, value: unknown): RealtimeConfigError {
  return new RealtimeConfigError(
    `${PREFIX}config option "${path}" must be a plain object, got ${formatValue(value)}`,
    path,
    value,
  )
}
