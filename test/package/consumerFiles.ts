/**
 * The files written into the temporary consumer projects of pack.test.ts. Each program prints one
 * `RESULT {json}` line for the test to check, fails (exit code 1) on any error or on any
 * console.error/console.warn, and must end by itself once it has disconnected: a handle left open
 * after `disconnect()` shows up as a timeout.
 */

/** Exact versions the consumers install: the root package.json's pins, so that npm finds them in its cache. */
export interface ConsumerVersions {
  toolkit: string
  reduxSaga: string
  ws: string
  typesWs: string
  typesNode: string
  react: string
  reactDom: string
  reactRedux: string
}

type RootManifest = { devDependencies: Record<string, string> }

export function versionsFrom(root: RootManifest, react18: RootManifest & { dependencies: Record<string, string> }) {
  const pin = (manifest: Record<string, string>, name: string) => {
    const version = manifest[name]
    if (!version || !/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`expected an exact version of ${name}, got ${version}`)
    return version
  }
  const dev = root.devDependencies
  const common = {
    toolkit: pin(dev, '@reduxjs/toolkit'),
    reduxSaga: pin(dev, 'redux-saga'),
    ws: pin(dev, 'ws'),
    typesWs: pin(dev, '@types/ws'),
    typesNode: pin(dev, '@types/node'),
    reactRedux: pin(dev, 'react-redux'),
  }
  const react19: ConsumerVersions = { ...common, react: pin(dev, 'react'), reactDom: pin(dev, 'react-dom') }
  const react18v: ConsumerVersions = { ...common, react: pin(react18.dependencies, 'react'), reactDom: pin(react18.dependencies, 'react-dom') }
  return { react19, react18: react18v }
}

/** `npm install` arguments: the README's Install line (package and peers), plus ws for Node 20 and the types tsc needs. */
export function usageInstallSpecs(tarball: string, v: ConsumerVersions): string[] {
  return [tarball, `@reduxjs/toolkit@${v.toolkit}`, `redux-saga@${v.reduxSaga}`, `ws@${v.ws}`, `@types/ws@${v.typesWs}`, `@types/node@${v.typesNode}`]
}

/** `npm install` arguments of a React consumer: the package, its peers, and that React. */
export function reactInstallSpecs(tarball: string, v: ConsumerVersions): string[] {
  return [
    tarball,
    `@reduxjs/toolkit@${v.toolkit}`,
    `redux-saga@${v.reduxSaga}`,
    `ws@${v.ws}`,
    `react@${v.react}`,
    `react-dom@${v.reactDom}`,
    `react-redux@${v.reactRedux}`,
  ]
}

export const consumerManifest = JSON.stringify({ name: 'rtk-realtime-consumer', version: '0.0.0', private: true }, null, 2) + '\n'

/** tsconfig of the usage consumer: what a Node TypeScript project uses (module node16), strict. */
export const usageTsconfig =
  JSON.stringify(
    {
      compilerOptions: {
        module: 'node16',
        moduleResolution: 'node16',
        target: 'es2022',
        strict: true,
        skipLibCheck: true,
        types: ['node'],
        outDir: 'out',
        rootDir: 'src',
      },
      include: ['src'],
    },
    null,
    2,
  ) + '\n'

/**
 * The README's "Then:" snippet (connect, send, request ECHO, status 'open', disconnect) as a
 * program (argv: server URL, widget id), in TypeScript; compiled as `main.mts` (ESM) and
 * `main.cts` (CommonJS). Also checks that `inbound` routing works: a WIDGET_UPDATE op, which the
 * reference server ACKs and broadcasts, lands in the widgets slice.
 */
export function usageMain(storeModule: './store.mjs' | './store.cjs'): string {
  return `// The README's "Then:" snippet, against the reference server at process.argv[2].
import { makeStore } from '${storeModule}'

// RTK's development checks warn when they take long (a busy machine); that is no failure.
const slowCheck = /took \\d+ms, which is more than the warning threshold/
const complaints: string[] = []
for (const level of ['error', 'warn'] as const) {
  const original = console[level].bind(console)
  console[level] = (...args: unknown[]) => {
    const text = args.map(String).join(' ')
    if (!slowCheck.test(text)) complaints.push(\`console.\${level}: \${text}\`)
    original(...args)
  }
}

async function main(url: string, widgetId: string): Promise<void> {
  const { realtime, store } = makeStore(url)
  const statusNow = () => realtime.selectors.selectConnectionStatus(store.getState())
  const until = (check: () => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (check()) return resolve()
      const timer = setTimeout(() => {
        unsubscribe()
        reject(new Error(\`timed out waiting for \${what}; status \${statusNow()}\`))
      }, 10_000)
      const unsubscribe = store.subscribe(() => {
        if (!check()) return
        clearTimeout(timer)
        unsubscribe()
        resolve()
      })
    })

  store.dispatch(realtime.actions.send('SUBSCRIBE', { board: 'ops' }))
  const reply = await store.dispatch(realtime.request('ECHO', { hello: 1 }))
  const status = statusNow()
  const ack = await store.dispatch(realtime.request('WIDGET_UPDATE', { id: widgetId, value: 7 }))
  await until(() => store.getState().widgets[widgetId] !== undefined, 'the WIDGET_UPDATE broadcast')
  const widget = store.getState().widgets[widgetId]
  store.dispatch(realtime.actions.disconnect())
  await until(() => statusNow() === 'closed', "status 'closed'")
  console.log('RESULT ' + JSON.stringify({ reply: reply.data, status, ack: ack.type, widget, after: statusNow(), complaints }))
  if (complaints.length > 0) process.exitCode = 1
}

main(process.argv[2] ?? '', process.argv[3] ?? 'w-pack').catch((error: unknown) => {
  console.log('FAILED', error instanceof Error ? error.stack : JSON.stringify(error))
  process.exitCode = 1
})
`
}

/**
 * Sets up a DOM before React and rtk-realtime/react load (both look at `window` when they load).
 * jsdom comes from this repository (its path in RTK_REALTIME_JSDOM): it is no part of what is tested.
 */
export const domSetup = `'use strict'
const { JSDOM } = require(process.env.RTK_REALTIME_JSDOM)
const dom = new JSDOM('<!doctype html><html><body><div id="root"></div></body></html>', { url: 'http://127.0.0.1/' })
globalThis.window = dom.window
globalThis.document = dom.window.document
// Node 20 has no global navigator (Node 21+ has one); React DOM reads navigator.userAgent.
if (typeof globalThis.navigator === 'undefined') globalThis.navigator = dom.window.navigator
globalThis.rtkRealtimeDom = dom
`

/**
 * A React program (argv: server URL, widget id): `<Provider store><RealtimeProvider realtime>`
 * around a component that uses `useWebSocket()` and `useConnectionStatus()`, rendered with
 * createRoot into jsdom, against the reference server. ESM (`.mjs`, imports) or CommonJS (`.cjs`,
 * require).
 */
export function reactProgram(format: 'esm' | 'cjs'): string {
  const header =
    format === 'esm'
      ? `import './dom.cjs'
import * as React from 'react'
import { version as reactDomVersion } from 'react-dom'
import { createRoot } from 'react-dom/client'
import { Provider } from 'react-redux'
import { configureStore } from '@reduxjs/toolkit'
import { createRealtime } from 'rtk-realtime'
import { RealtimeProvider, useConnectionStatus, useWebSocket } from 'rtk-realtime/react'
import { WebSocket } from 'ws'
`
      : `'use strict'
require('./dom.cjs')
const React = require('react')
const { version: reactDomVersion } = require('react-dom')
const { createRoot } = require('react-dom/client')
const { Provider } = require('react-redux')
const { configureStore } = require('@reduxjs/toolkit')
const { createRealtime } = require('rtk-realtime')
const { RealtimeProvider, useConnectionStatus, useWebSocket } = require('rtk-realtime/react')
const { WebSocket } = require('ws')
`
  return `${header}
// RTK's development checks warn when they take long (a busy machine); that is no failure.
const slowCheck = /took \\d+ms, which is more than the warning threshold/
const complaints = []
for (const level of ['error', 'warn']) {
  const original = console[level].bind(console)
  console[level] = (...args) => {
    const text = args.map(String).join(' ')
    if (!slowCheck.test(text)) complaints.push('console.' + level + ': ' + text)
    original(...args)
  }
}

const h = React.createElement
const until = (check, what) =>
  new Promise((resolve, reject) => {
    const deadline = Date.now() + 10_000
    const poll = () => {
      if (check()) return resolve()
      if (Date.now() > deadline) return reject(new Error('timed out waiting for ' + what + '; rendered: ' + container.textContent))
      setTimeout(poll, 5)
    }
    poll()
  })

const container = document.getElementById('root')

async function main(url, widgetId) {
  const realtime = createRealtime({ url, WebSocket })
  const store = configureStore({
    reducer: { [realtime.reducerPath]: realtime.reducer },
    middleware: (gDM) => gDM().concat(realtime.middleware),
  })
  const seen = { connected: 0, disconnected: 0, messages: [] }
  let hook
  function Status() {
    hook = useWebSocket({
      onConnected: () => { seen.connected += 1 },
      onDisconnected: () => { seen.disconnected += 1 },
      onMessage: (message) => { seen.messages.push(message.type) },
    })
    const connection = useConnectionStatus()
    return h('p', null, [hook.status, connection.status, String(hook.isConnected)].join(' '))
  }
  const root = createRoot(container)
  root.render(h(Provider, { store }, h(RealtimeProvider, { realtime }, h(Status))))
  await until(() => container.textContent === 'open open true', 'the component to render the open connection')

  const reply = await hook.request('ECHO', { react: React.version })
  let unsubscribe
  // Other programs may run against the same server at the same time: wait for this widget.
  const broadcast = new Promise((resolve) => {
    unsubscribe = hook.subscribe('WIDGET_UPDATE', (message) => {
      if (message.data && message.data.id === widgetId) resolve(message)
    })
  })
  await hook.request('WIDGET_UPDATE', { id: widgetId, value: 3 })
  const update = await broadcast
  unsubscribe()
  hook.disconnect()
  await until(() => container.textContent === 'closed closed false', 'the component to render the closed connection')
  root.unmount()
  globalThis.rtkRealtimeDom.window.close()
  console.log('RESULT ' + JSON.stringify({
    react: React.version,
    reactDom: reactDomVersion,
    reply: reply.data,
    update: update.data,
    seen,
    complaints,
  }))
  if (complaints.length > 0) process.exitCode = 1
}

main(process.argv[2], process.argv[3] || 'w-react').catch((error) => {
  console.log('FAILED', error && error.stack ? error.stack : JSON.stringify(error))
  process.exitCode = 1
})
`
}
