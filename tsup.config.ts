import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts', 'react/index': 'src/react/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2020',
  external: ['@reduxjs/toolkit', 'redux-saga', 'react', 'react-redux'],
  tsconfig: 'tsconfig.build.json',
})
