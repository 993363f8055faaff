import { execFile } from 'node:child_process'

/** How a child process ended, with everything it printed. */
export interface RunResult {
  readonly command: string
  readonly cwd: string
  readonly code: number | null
  readonly signal: string | null
  readonly timedOut: boolean
  readonly stdout: string
  readonly stderr: string
  readonly ms: number
}

export interface RunOptions {
  cwd: string
  /** Kill the child (SIGKILL) after this long. */
  timeoutMs: number
  env?: NodeJS.ProcessEnv
}

/**
 * The environment of the children: this process's, without what would change how they run
 * (NODE_OPTIONS from a runner, vitest's NODE_ENV=test).
 */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', ...extra }
  delete env.NODE_OPTIONS
  return env
}

/** Runs `file args` and resolves with how it ended; never rejects. */
export function run(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = performance.now()
  const command = [file, ...args].join(' ')
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? childEnv(),
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const failure = error as (Error & { code?: unknown; signal?: NodeJS.Signals | null; killed?: boolean }) | null
        const code = failure ? (typeof failure.code === 'number' ? failure.code : null) : 0
        const signal = failure?.signal ?? null
        const spawnError = failure && typeof failure.code === 'string' ? `\n(spawn failed: ${failure.message})` : ''
        resolve({
          command,
          cwd: options.cwd,
          code,
          signal,
          timedOut: Boolean(failure?.killed && signal === 'SIGKILL'),
          stdout: String(stdout),
          stderr: String(stderr) + spawnError,
          ms: Math.round(performance.now() - started),
        })
      },
    )
  })
}

/** A readable account of a run: the command, how it ended, and its stdout and stderr. */
export function describeRun(result: RunResult): string {
  const ending = result.timedOut
    ? `was killed after ${result.ms} ms (timeout)`
    : result.signal
      ? `was killed by ${result.signal} after ${result.ms} ms`
      : `exited with code ${result.code} after ${result.ms} ms`
  const section = (name: string, text: string) => `--- ${name}${text.trim() ? `\n${text.trimEnd()}` : ' (empty)'}`
  return [`\`${result.command}\` in ${result.cwd} ${ending}`, section('stdout', result.stdout), section('stderr', result.stderr)].join('\n')
}

/** Runs like {@link run} and throws an error carrying {@link describeRun} unless it exits with 0. */
export async function runOk(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const result = await run(file, args, options)
  if (result.code !== 0) throw new Error(describeRun(result))
  return result
}

/** The JSON a child printed on its `RESULT ` line. Throws with the whole run when there is none. */
export function resultOf<T>(result: RunResult): T {
  const line = result.stdout.split('\n').find((text) => text.startsWith('RESULT '))
  if (!line) throw new Error(`no RESULT line in the output\n${describeRun(result)}`)
  return JSON.parse(line.slice('RESULT '.length)) as T
}
