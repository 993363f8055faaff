/**
 * Plain-text tables for stdout.
 *
 *   printTable({ title, columns: [{ header: 'scenario' }, { header: 'msgs/s', align: 'right' }], rows, notes })
 */

/**
 * Renders a table: `columns` is `[{ header, align?: 'left' | 'right' }]`, `rows` arrays of strings.
 * @returns {string}
 */
export function renderTable({ title, columns, rows, notes = [] }) {
  const widths = columns.map((col, i) => Math.max(col.header.length, ...rows.map((row) => String(row[i] ?? '').length)))
  const cell = (text, i) => {
    const s = String(text ?? '')
    return columns[i].align === 'right' ? s.padStart(widths[i]) : s.padEnd(widths[i])
  }
  const line = (cells) => '| ' + cells.map(cell).join(' | ') + ' |'
  const rule = '|' + widths.map((w, i) => (columns[i].align === 'right' ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|'
  const out = []
  if (title) out.push('', `## ${title}`, '')
  out.push(line(columns.map((c) => c.header)), rule, ...rows.map(line))
  if (notes.length > 0) out.push('', ...notes)
  return out.join('\n')
}

/** Prints {@link renderTable} to stdout. */
export function printTable(table) {
  process.stdout.write(renderTable(table) + '\n')
}
