/**
 * Vite config of the example dashboard. Run from the repository root:
 *
 *   vite build --config examples/dashboard/vite.config.ts     -> examples/dashboard/dist
 *   vite --config examples/dashboard/vite.config.ts           -> dev server; /ws is proxied to the
 *                                                               reference server on 127.0.0.1:3000
 *
 *   NODE_ENV=development vite build --config examples/dashboard/vite.config.ts
 *                                                            -> a build with React's and RTK's
 *                                                               development checks on
 *
 * `rtk-realtime` and `rtk-realtime/react` resolve to the package sources, so the dashboard always
 * runs the code in this repository (no build of the package needed).
 *
 * Vite takes NODE_ENV from the environment when it is set: a build started from inside vitest
 * (NODE_ENV=test) must set NODE_ENV=production for the duration of the build.
 */
import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

const root = import.meta.dirname
const wsProxy = { '/ws': { target: 'ws://127.0.0.1:3000', ws: true } }

export default defineConfig({
  root,
  // Relative asset URLs: the build works from any path the server mounts it on.
  base: './',
  plugins: [react()],
  resolve: {
    alias: [
      { find: /^rtk-realtime\/react$/, replacement: resolve(root, '../../src/react/index.ts') },
      { find: /^rtk-realtime$/, replacement: resolve(root, '../../src/index.ts') },
    ],
  },
  build: {
    outDir: resolve(root, 'dist'),
    emptyOutDir: true,
    sourcemap: true,
  },
  server: { proxy: wsProxy },
  preview: { proxy: wsProxy },
})
