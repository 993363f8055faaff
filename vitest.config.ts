import { defineConfig } from 'vitest/config'

const src = (path: string) => new URL(`./src/${path}`, import.meta.url).pathname

export default defineConfig({
  resolve: {
    // Tests and the README example import the package by name, as users do.
    alias: [
      { find: /^rtk-realtime\/react$/, replacement: src('react/index.ts') },
      { find: /^rtk-realtime$/, replacement: src('index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx', 'examples/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    setupFiles: ['test/setup/failOnConsole.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
})
