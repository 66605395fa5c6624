// Resource quantities ("250m", "1.5", "128Mi", "1G") as numbers, for turning pod resources into container limits.

const BINARY: Record<string, number> = {Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60}
const DECIMAL: Record<string, number> = {n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18}
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE]|)$/

/** The value of a quantity (cores for cpu, bytes for memory); undefined when absent or malformed (validation already rejected those). */
export function quantityValue(q: unknown): number | undefined {
  if (typeof q === 'number') return q
  if (typeof q !== 'string') return undefined
  const m = QUANTITY.exec(q.trim())
  if (!m) return undefined
  const n = Number(m[1])
  const suffix = m[2]
  if (suffix in BINARY) return n * BINARY[suffix]
  if (suffix in DECIMAL) return n * DECIMAL[suffix]
  return n * 10 ** Number(suffix.slice(1))
}

/** Millicores of a cpu quantity, rounded up as the API does. */
export function milliCPU(q: unknown): number | undefined {
  const v = quantityValue(q)
  return v === undefined ? undefined : Math.ceil(Math.round(v * 1e6) / 1e3)
}
