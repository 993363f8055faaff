/**
 * The throughput table: one row per variant with the median rate, its range, ratios to baseline
 * variants, and client CPU per message (median). Samples are `{ rate, cpuUs }` (see blastRound.mjs).
 */
import { formatRate, formatRatio, summarizeField } from './stats.mjs'

/**
 * @param {Array<{ name: string, label: string }>} variants in display order
 * @param {Record<string, Array<{ rate: number, cpuUs: number }>>} samples by variant name
 * @param {{ ratios: Array<{ name: string, header: string }>, cpuBaseline?: string }} options
 *   `ratios`: a "rate / that variant's rate" column per entry (shown as '-' when it did not run)
 * @returns {{ columns: object[], rows: string[][], medians: Record<string, number>, cpuMedians: Record<string, number> }}
 */
export function rateTable(variants, samples, { ratios, cpuBaseline }) {
  const rate = Object.fromEntries(variants.map((v) => [v.name, summarizeField(samples[v.name], 'rate')]))
  const cpu = Object.fromEntries(variants.map((v) => [v.name, summarizeField(samples[v.name], 'cpuUs').median]))
  const medians = Object.fromEntries(variants.map((v) => [v.name, rate[v.name].median]))
  const columns = [
    { header: 'scenario' },
    { header: 'median msgs/s', align: 'right' },
    { header: 'min - max', align: 'right' },
    ...ratios.map((r) => ({ header: r.header, align: 'right' })),
    { header: 'client CPU us/msg', align: 'right' },
    ...(cpuBaseline ? [{ header: `CPU ratio vs ${cpuBaseline}`, align: 'right' }] : []),
  ]
  const rows = variants.map((v) => [
    v.label,
    formatRate(rate[v.name].median),
    `${formatRate(rate[v.name].min)} - ${formatRate(rate[v.name].max)}`,
    ...ratios.map((r) => formatRatio(rate[v.name].median / (medians[r.name] ?? NaN))),
    cpu[v.name].toFixed(2),
    ...(cpuBaseline ? [formatRatio((cpu[cpuBaseline] ?? NaN) / cpu[v.name])] : []),
  ])
  return { columns, rows, medians, cpuMedians: cpu }
}
