/**
 * Wire shapes of the fan-out bench: the writers' widget ops and how receivers count broadcasts.
 */

/** Widgets the writers' ops go to (`w-0` .. `w-99`), seeded on every server. */
export const FANOUT_WIDGETS = 100

/** The id of widget `i % FANOUT_WIDGETS`. */
export const widgetId = (i) => `w-${i % FANOUT_WIDGETS}`

/** The op frame a writer sends: the package's wire shape of `updateWidget`, without a base version. */
export function opFrame(opId, i) {
  return JSON.stringify({ type: 'WIDGET_UPDATE', id: opId, attempt: 1, data: { id: widgetId(i), value: i } })
}

const SEQ = Buffer.from('"seq":')

/**
 * Broadcast updates in one received frame (a lone broadcast or a BATCH of them), counted as the
 * `"seq":` keys in its bytes: every broadcast has one, ACKs (their data is the widget, whose
 * fields here are id, value and version) and BATCH envelopes have none. The writers parse every
 * frame and check the seq order, so the count is also checked against what was really sent.
 */
export function countUpdates(buffer) {
  let count = 0
  for (let at = buffer.indexOf(SEQ); at !== -1; at = buffer.indexOf(SEQ, at + SEQ.length)) count++
  return count
}
