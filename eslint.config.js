// ESLint flat config: the recommended sets of ESLint, typescript-eslint and React hooks, nothing
// stylistic. typescript-eslint runs without type information so that `npm run lint` stays quick;
// `npm run typecheck` is the type check. A rule is changed only here or in an inline
// `eslint-disable-next-line rule -- reason`, always with its reason.
import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import { defineConfig, globalIgnores } from 'eslint/config'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default defineConfig([
  globalIgnores(['**/dist/', 'coverage/', '**/node_modules/']),
  {
    files: ['**/*.{js,mjs,cjs,ts,tsx}'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      // A leading underscore marks a binding kept on purpose: a parameter a signature needs, or a
      // key taken out of an object by destructuring so that `...rest` leaves it behind.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // `MutationDefinitions = {}` is the "none declared" default of a record-shaped type parameter,
      // as in RTK's own types; `object` or `Record<string, never>` would not infer the same way.
      '@typescript-eslint/no-empty-object-type': ['error', { allowObjectTypes: 'always' }],
    },
  },
  {
    // Tests hand the package wrong, late and half-formed values on purpose (rude fakes, frames off
    // the wire, spies); `any` there says "anything", which is the point.
    files: ['test/**', 'examples/testing/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // A type test states `// @ts-expect-error` over a bare expression such as `realtime.actions.typo`.
    files: ['test/types/**'],
    rules: { '@typescript-eslint/no-unused-expressions': 'off' },
  },
  {
    // The React code. Elsewhere (test/server, test/msw) `useX` helpers are not hooks.
    files: ['src/react/**', 'examples/dashboard/**', 'test/react/**', 'test/**/*.tsx'],
    extends: [reactHooks.configs.flat.recommended],
  },
])
