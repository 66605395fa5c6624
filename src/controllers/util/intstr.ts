// Int-or-string values (maxSurge, maxUnavailable, minAvailable) resolved against a total, as intstr does.

/** Resolves an int-or-percent against total: percentages round up or down as asked (intstr.GetScaledValueFromIntOrPercent). */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0
  if (typeof v === 'number') return v
  const m = /^(\d+)%$/.exec(v)
  if (!m) {
    const n = Number(v)
    if (Number.isInteger(n)) return n
    throw new Error(`invalid value for IntOrString: ${v}`)
  }
  const x = (Number(m[1]) * total) / 100
  return roundUp ? Math.ceil(x) : Math.floor(x)
}
