// Resource lists as exact amounts (thousandths, as bigints): parse, add, compare and print them the way Kubernetes' quota code does.
import {parseQuantity} from '../quantity.js'

/** A ResourceList with every value in thousandths of its unit (millicores, millibytes, milli-counts). */
export type Amounts = Map<string, bigint>

/** Thousandths of a quantity, rounded up (Quantity.MilliValue), exact for any size. */
export function milli(q: string | number): bigint {
  const p = parseQuantity(q)
  let num = p.digits * 2n ** BigInt(p.exp2) * 1000n
  let den = 1n
  if (p.exp10 >= 0) num *= 10n ** BigInt(p.exp10)
  else den = 10n ** BigInt(-p.exp10)
  let out = num / den
  if (num % den !== 0n) out += 1n
  return p.negative ? -out : out
}

/** Parses a ResourceList; values that are not quantities are left out (validation has refused them already). */
export function toAmounts(list: Record<string, unknown> | undefined): Amounts {
  const out: Amounts = new Map()
  for (const [k, v] of Object.entries(list ?? {})) {
    if (typeof v !== 'string' && typeof v !== 'number') continue
    try {
      out.set(k, milli(v))
    } catch {
      // Not a quantity: nothing to count.
    }
  }
  return out
}

/** a + b, key by key (quota.Add). */
export function add(a: Amounts, b: Amounts): Amounts {
  const out = new Map(a)
  for (const [k, v] of b) out.set(k, (out.get(k) ?? 0n) + v)
  return out
}

/** a - b, floored at zero (quota.SubtractWithNonNegativeResult). */
export function subtractNonNegative(a: Amounts, b: Amounts): Amounts {
  const out: Amounts = new Map()
  for (const [k, v] of a) {
    const d = v - (b.get(k) ?? 0n)
    out.set(k, d > 0n ? d : 0n)
  }
  return out
}

/** The entries of `a` whose names are in `names` (quota.Mask). */
export function mask(a: Amounts, names: Iterable<string>): Amounts {
  const out: Amounts = new Map()
  for (const n of names) if (a.has(n)) out.set(n, a.get(n)!)
  return out
}

/** Whether every entry is zero (quota.IsZero). */
export function isZero(a: Amounts): boolean {
  for (const v of a.values()) if (v !== 0n) return false
  return true
}

/** The names whose amount in `a` is above `limit` (quota.LessThanOrEqual's exceeded list); names `limit` lacks are fine. */
export function exceeded(a: Amounts, limit: Amounts): string[] {
  const out: string[] = []
  for (const [k, v] of a) {
    const l = limit.get(k)
    if (l !== undefined && v > l) out.push(k)
  }
  return out
}

const BINARY: [bigint, string][] = [[1024n ** 6n, 'Ei'], [1024n ** 5n, 'Pi'], [1024n ** 4n, 'Ti'], [1024n ** 3n, 'Gi'], [1024n ** 2n, 'Mi'], [1024n, 'Ki']]
const DECIMAL: [bigint, string][] = [[10n ** 18n, 'E'], [10n ** 15n, 'P'], [10n ** 12n, 'T'], [10n ** 9n, 'G'], [10n ** 6n, 'M'], [10n ** 3n, 'k']]

/**
 * The canonical text of an amount (Quantity.String): "500m", "2", "1k", "128Mi". Memory, storage and huge page sums that are
 * whole binary multiples print with binary suffixes, as quantities of BinarySI format do; everything else is decimal.
 */
export function formatAmount(m: bigint, name = ''): string {
  if (m < 0n) return `-${formatAmount(-m, name)}`
  if (m % 1000n !== 0n) return `${m}m`
  const v = m / 1000n
  if (v === 0n) return '0'
  if (/memory|storage|hugepages/.test(name)) {
    for (const [unit, suffix] of BINARY) if (v % unit === 0n) return `${v / unit}${suffix}`
  }
  for (const [unit, suffix] of DECIMAL) if (v % unit === 0n) return `${v / unit}${suffix}`
  return String(v)
}

/** A ResourceList for the API from amounts. */
export function fromAmounts(a: Amounts): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k of [...a.keys()].sort()) out[k] = formatAmount(a.get(k)!, k)
  return out
}

/** `a=1,b=2m`, sorted by name, as the quota admission messages print resource lists (prettyPrint). */
export function prettyPrint(a: Amounts): string {
  return [...a.keys()].sort().map((k) => `${k}=${formatAmount(a.get(k)!, k)}`).join(',')
}
