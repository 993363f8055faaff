/**
 * The JSON.parse floor: parsing the blast's frames in-process, nothing else. No client can take
 * updates off a socket faster than it parses them.
 */
import { buildBlastFrames } from './protocol.mjs'
import { collectGarbage } from './rounds.mjs'

/** `{ run() }` parsing `count` blast frames over `keys` keys per round: `{ rate, cpuUs }`. */
export function parseFloor(count, keys) {
  const frames = buildBlastFrames(count, { keys })
  return {
    run: async () => {
      collectGarbage()
      let check = 0
      const cpu0 = process.cpuUsage()
      const t0 = performance.now()
      for (let i = 0; i < frames.length; i++) check += JSON.parse(frames[i]).data.version
      const t1 = performance.now()
      const cpu = process.cpuUsage(cpu0)
      if (check === -1) throw new Error('unreachable')
      return { rate: (frames.length / (t1 - t0)) * 1000, cpuUs: (cpu.user + cpu.system) / frames.length }
    },
  }
}
