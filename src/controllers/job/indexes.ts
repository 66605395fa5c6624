// Completion-index sets of Indexed Jobs in the compressed interval form status uses ("0-2,5,7-9").

/** Parses an interval list such as "0-2,5", keeping only indexes below completions; malformed parts are skipped. */
export function parseIndexes(text: string | undefined, completions: number): Set<number> {
  const out = new Set<number>()
  for (const part of (text ?? '').split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part)
    if (!m) continue
    const first = Number(m[1])
    const last = Math.min(m[2] === undefined ? first : Number(m[2]), completions - 1)
    for (let i = first; i <= last; i++) out.add(i)
  }
  return out
}

/** Formats indexes as sorted intervals, "1-3,7"; an empty set gives "". */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b)
  const parts: string[] = []
  for (let i = 0; i < sorted.length; ) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`)
    i = j + 1
  }
  return parts.join(',')
}
