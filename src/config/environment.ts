import type { Environment } from './types'

/** Every environment that can carry its own overrides, in the order error messages list them. */
export const ENVIRONMENTS = ['development', 'production', 'test'] as const satisfies readonly Environment[]

/** True when `value` names one of {@link ENVIRONMENTS}. */
export function isEnvironment(value: unknown): value is Environment {
  return (ENVIRONMENTS as readonly unknown[]).includes(value)
}

// Declared here rather than taken from @types/node: the build compiles without Node types, and the
// library must typecheck for browser-only consumers.
declare const process: { env: { NODE_ENV?: string } }

/**
 * The environment the code runs in, from `NODE_ENV`: `'production'` and `'test'` map to
 * themselves, anything else (including unset, or no `process` at all as in a browser) to
 * `'development'`.
 */
export function detectEnvironment(): Environment {
  let nodeEnv: string | undefined
  try {
    // Spelled exactly `process.env.NODE_ENV` so bundlers (Vite, webpack, esbuild) can replace it with
    // a literal; `globalThis.process?.env` would survive bundling and always read as development in
    // a browser. Without a bundler and without `process` it throws, which means development.
    nodeEnv = process.env.NODE_ENV
  } catch {
    nodeEnv = undefined
  }
  return nodeEnv === 'production' || nodeEnv === 'test' ? nodeEnv : 'development'
}
