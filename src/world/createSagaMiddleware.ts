import reduxSagaDefault, { type SagaMiddleware, type SagaMiddlewareOptions } from 'redux-saga'

type CreateSagaMiddleware = typeof reduxSagaDefault

/**
 * redux-saga's `createSagaMiddleware` (its default export), whichever way the module system hands
 * it over. Import it from here, never with `import createSagaMiddleware from 'redux-saga'`.
 *
 * Why: redux-saga ships CommonJS with `exports.__esModule = true` and `exports.default = fn`. This
 * package is `"type": "module"`, so esbuild (tsup) compiles a default import in Node's ESM
 * semantics, where the default import of a CommonJS module is its whole `module.exports`; in the
 * CommonJS build (`dist/*.cjs`) that becomes `__toESM(require('redux-saga'), 1).default`, i.e. the
 * module object `{ default: fn, ... }`, not the function. Calling it threw
 * `TypeError: (0 , import_redux_saga5.default) is not a function` for every CommonJS user (Jest,
 * ts-node, `require`). The ESM build, bundlers and the test runner get the function itself. So this
 * accepts both: the function, or an object whose `default` is the function.
 */
export function createSagaMiddleware<C extends object>(options?: SagaMiddlewareOptions<C>): SagaMiddleware<C> {
  return resolveDefaultExport<CreateSagaMiddleware>(reduxSagaDefault, 'redux-saga')(options)
}

/** The function a default import stands for: `imported` itself, or its `default` (once or twice nested). */
export function resolveDefaultExport<F extends (...args: never[]) => unknown>(imported: unknown, moduleName: string): F {
  let candidate = imported
  for (let depth = 0; depth < 3; depth++) {
    if (typeof candidate === 'function') return candidate as F
    if (candidate === null || typeof candidate !== 'object' || !('default' in candidate)) break
    candidate = (candidate as { default: unknown }).default
  }
  throw new TypeError(
    `rtk-realtime: the default export of '${moduleName}' is not a function (got ${describe(imported)}); ` +
      'is the installed version supported by this package?',
  )
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value !== 'object') return typeof value
  return `an object with keys ${Object.keys(value).slice(0, 8).join(', ') || '(none)'}`
}
