/**
 * Small statistics and formatting helpers for benchmark samples.
 */

/** Median of a non-empty array of numbers (mean of the two middle values for an even count). */
export function median(values) {
  if (values.length === 0) throw new Error('median of no values')
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** `{ median, min, max, n }` of samples. */
export function summarize(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length }
}

/** `summarize` of one field of sample objects: `summarizeField([{ rate: 1 }, { rate: 3 }], 'rate')`. */
export function summarizeField(samples, field) {
  return summarize(samples.map((sample) => sample[field]))
}

/** 1234567 -> "1,234,567" (rounded). */
export function formatInt(value) {
  return Math.round(value).toLocaleString('en-US')
}

/** A rate in the short form used by the tables: 412,345 -> "412k", 1,234,567 -> "1.23M". */
export function formatRate(value) {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`
  if (value >= 1e4) return `${Math.round(value / 1e3)}k`
  return formatInt(value)
}

/** A ratio as "0.84x" (a tiny one to one significant figure, "0.0009x", rather than "0.00x"). */
export function formatRatio(value) {
  if (!Number.isFinite(value)) return '-'
  if (value > 0 && value < 0.01) return `${value.toPrecision(1)}x`
  return `${value.toFixed(2)}x`
}

/** This process's CPU time (user + system) in µs. */
export function cpuMicros() {
  const { user, system } = process.cpuUsage()
  return user + system
}

/** A number from the environment, or `fallback` when unset or empty. */
export const envNumber = (name, fallback) => Number(process.env[name] || fallback)
