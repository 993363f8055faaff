/**
 * Tables of the fan-out scenario (scenarios/fanout.mjs): throughput to the sockets, the cost of
 * one op in memory and on Redis, and RSS per idle socket. Every figure is the median over rounds.
 */
import { formatRatio, formatRate, median, summarizeField } from './stats.mjs'

const fixed = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '-')

/** Median calls per op of each Redis command over the samples, e.g. `evalsha 1.00, xread 0.03`. */
function callsBreakdown(list) {
  const names = new Set(list.flatMap((s) => Object.keys(s.redisCallsPerOp ?? {})))
  const parts = [...names].map((name) => [name, median(list.map((s) => s.redisCallsPerOp?.[name] ?? 0))])
  return parts.sort((a, b) => b[1] - a[1]).map(([name, value]) => `${name} ${value.toFixed(2)}`).join(', ')
}

function totalCalls(sample) {
  return sample.redisCallsPerOp ? Object.values(sample.redisCallsPerOp).reduce((a, b) => a + b, 0) : NaN
}

export function fanoutReport(samples, ctx, { title, variants, settings }) {
  const of = (name) => samples[name] ?? []
  const missing = (name) => of(name)[0]?.missing
  // Fields a variant does not measure (Redis figures of the in-memory rows) are null: shown as '-'.
  const med = (name, field) => (of(name).length && !missing(name) && of(name)[0][field] !== null ? summarizeField(of(name), field).median : NaN)
  const calls = (name) => (of(name).length && !missing(name) ? median(of(name).map(totalCalls)) : NaN)
  const base = med('memory', 'deliveredRate')
  const rounds = `median of ${ctx.rounds} rounds after ${ctx.warmup} warm-up`
  const tables = []

  const traffic = variants.filter((v) => !v.apply && !v.idle && samples[v.name])
  if (traffic.length > 0) {
    tables.push({
      title: `${title}: ${settings.ops.toLocaleString('en-US')} widget ops (100 widgets) from ${settings.writers} writers (${settings.window} unanswered each), every change broadcast to ${settings.clients} sockets; ${rounds}`,
      columns: [
        { header: 'server' }, { header: 'ops/s produced', align: 'right' }, { header: 'updates/s delivered', align: 'right' },
        { header: 'min - max', align: 'right' }, { header: 'vs memory', align: 'right' }, { header: 'server CPU us/op', align: 'right' },
        { header: 'Redis CPU us/op', align: 'right' }, { header: 'Redis calls/op', align: 'right' }, { header: 'client CPU us/op', align: 'right' },
      ],
      rows: traffic.map((v) => {
        if (missing(v.name)) return [v.label, missing(v.name), '', '', '', '', '', '', '']
        const { min, max } = summarizeField(of(v.name), 'deliveredRate')
        return [
          v.label, formatRate(med(v.name, 'producedRate')), formatRate(med(v.name, 'deliveredRate')), `${formatRate(min)} - ${formatRate(max)}`,
          formatRatio(med(v.name, 'deliveredRate') / base), fixed(med(v.name, 'serverCpuUsPerOp')),
          fixed(med(v.name, 'redisCpuUsPerOp'), 1), fixed(calls(v.name), 2), fixed(med(v.name, 'clientCpuUsPerOp')),
        ]
      }),
      notes: [
        'ops/s produced: ops / time from the first op sent to the last ACK. updates/s delivered: ops x sockets / time until every',
        '  socket counted every broadcast of the round (writers are among the sockets; each checks every seq arrives once, in order).',
        'server CPU: user + system of every server process (both instances for redis-2) over the round, per op; Redis CPU from',
        '  INFO cpu; Redis calls from INFO commandstats (commands run inside the Lua script included), per op.',
        'client CPU: the one process holding all the sockets (it competes for the same 2 cores as the servers and Redis).',
        ...traffic.filter((v) => v.redis && !missing(v.name)).map((v) => `${v.name} calls per op: ${callsBreakdown(of(v.name))}`),
      ],
    })
  }

  const apply = variants.filter((v) => v.apply && samples[v.name])
  if (apply.length > 0) {
    tables.push({
      title: `${title}: cost of one op without fan-out (1 socket, ${settings.applyOps.toLocaleString('en-US')} ops sent one at a time, each after the previous ACK); ${rounds}`,
      columns: [
        { header: 'server' }, { header: 'us per op (round trip)', align: 'right' }, { header: 'server CPU us/op', align: 'right' },
        { header: 'Redis CPU us/op', align: 'right' }, { header: 'Redis calls/op', align: 'right' }, { header: 'Redis calls per op', align: 'left' },
      ],
      rows: apply.map((v) => missing(v.name)
        ? [v.label, missing(v.name), '', '', '', '']
        : [v.label, fixed(med(v.name, 'usPerOp')), fixed(med(v.name, 'serverCpuUsPerOp')), fixed(med(v.name, 'redisCpuUsPerOp'), 1), fixed(calls(v.name), 2), v.redis ? callsBreakdown(of(v.name)) : '']),
      notes: ['us per op: wall clock from sending an op until its ACK arrived, one op in flight (the Redis round trips of an op are sequential).'],
    })
  }

  if (samples.idle?.length) {
    const mb = (field) => `${(med('idle', field) / 2 ** 20).toFixed(1)} MB`
    const idle = settings.idle.toLocaleString('en-US')
    tables.push({
      title: `${title}: server RSS with idle sockets (a fresh in-memory instance per round, RSS after a full GC); ${rounds}`,
      columns: [
        { header: 'no socket', align: 'right' }, { header: '100 sockets', align: 'right' }, { header: `${idle} sockets`, align: 'right' },
        { header: `per socket (100 -> ${idle})`, align: 'right' },
      ],
      rows: [[mb('rss0'), mb('rss100'), mb('rssIdle'), `${(med('idle', 'perSocket') / 1024).toFixed(1)} KB`]],
      notes: [
        `per socket: (RSS with ${idle} - RSS with 100) / ${(settings.idle - 100).toLocaleString('en-US')}: the first 100 move RSS by less than its noise`,
        '  (a few MB either way after the GC). The sockets send nothing; the server PINGs every 30 s and ws answers.',
      ],
    })
  }
  return tables
}
