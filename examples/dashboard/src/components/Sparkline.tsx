/** A tiny SVG line of the last values; the scale is fixed to the widget range 0..100. */
export function Sparkline({ values, width = 160, height = 40 }: { values: number[]; width?: number; height?: number }) {
  if (values.length < 2) return <svg className="sparkline" width={width} height={height} aria-hidden="true" />
  const min = 0
  const max = 100
  const step = width / (values.length - 1)
  const y = (v: number) => height - 2 - ((Math.min(max, Math.max(min, v)) - min) / (max - min)) * (height - 4)
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${y(v).toFixed(1)}`)
  const area = `0,${height} ${points.join(' ')} ${width},${height}`
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" aria-hidden="true">
      <polygon className="sparkline__area" points={area} />
      <polyline className="sparkline__line" points={points.join(' ')} />
    </svg>
  )
}
