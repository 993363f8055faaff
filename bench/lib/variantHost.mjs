/**
 * Child-process side of an isolated variant (see isolation.mjs). Each variant of a scenario runs
 * in a process of its own, so variants never share JIT feedback: measured here, a plain-dispatch
 * path warmed up in the same process made the package's saga path about 1.5x slower.
 *
 *   node --expose-gc bench/lib/variantHost.mjs <scenario file URL> <variant name> <ctx JSON>
 *
 * IPC: sends `{ ready }` once set up; answers each `{ cmd: 'run' }` with `{ sample }` or
 * `{ error }`; on `{ cmd: 'exit' }` tears down and lets the process end (so --cpu-prof can write).
 */

const [scenarioUrl, variantName, ctxJson] = process.argv.slice(2)

function reply(message) {
  process.send?.(message)
}

function describe(error) {
  return error instanceof Error ? error.stack ?? error.message : String(error)
}

try {
  const scenario = await import(scenarioUrl)
  const ctx = JSON.parse(ctxJson)
  const variant = await scenario.setupVariant(variantName, ctx)
  process.on('message', async (message) => {
    if (message?.cmd === 'run') {
      try {
        reply({ sample: await variant.run() })
      } catch (error) {
        reply({ error: describe(error) })
      }
    } else if (message?.cmd === 'exit') {
      await variant.teardown?.()
      process.disconnect()
      // Whatever still holds the event loop must not keep the bench waiting.
      setTimeout(() => process.exit(0), 2000).unref()
    }
  })
  reply({ ready: true })
} catch (error) {
  reply({ error: describe(error) })
  process.exitCode = 1
  process.disconnect?.()
}
