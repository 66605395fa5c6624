// Kubernetes resource quantities ("100m", "1.5", "128Mi", "1G", "1e3"), parsed exactly and rounded up as the API does.

/** A quantity as an exact rational: sign * digits * 10^exp10 * 2^exp2. */
export interface Quantity {
  negative: boolean
  digits: bigint
  exp10: number
  exp2: number
}

const BINARY: Record<string, number> = {Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60}
const DECIMAL: Record<string, number> = {n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18}

// Same grammar as k8s.io/apimachinery resource.Quantity: a signed decimal number, then a binary suffix, a decimal
// SI suffix or a decimal exponent. "E" alone is exa; "E" followed by digits is an exponent.
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE]|)$/

/** Thrown for a string that is not a valid quantity. */
export class QuantityError extends Error {
  constructor(input: unknown) {
    super(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': ${JSON.stringify(input)}`)
    this.name = 'QuantityError'
  }
}

/** Parses a quantity exactly; throws QuantityError when it does not match the grammar. */
export function parseQuantity(input: string | number): Quantity {
  const text = typeof input === 'number' ? numberToString(input) : input.trim()
  const m = QUANTITY.exec(text)
  if (!m) throw new QuantityError(input)
  const [, sign, number, suffix] = m
  const [whole, frac = ''] = number.split('.')
  let exp10 = -frac.length
  let exp2 = 0
  if (suffix in BINARY) exp2 = BINARY[suffix]
  else if (suffix in DECIMAL) exp10 += DECIMAL[suffix]
  else exp10 += Number.parseInt(suffix.slice(1), 10)
  return {negative: sign === '-', digits: BigInt((whole || '0') + frac), exp10, exp2}
}

// JSON numbers arrive as numbers (e.g. cpu: 2); String() may give exponent notation, which the grammar accepts.
function numberToString(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityError(n)
  return String(n).replace('e+', 'e')
}

/** q * 10^scale as a fraction num/den (den > 0). */
function scaled(q: Quantity, scale: number): {num: bigint; den: bigint} {
  const e = q.exp10 + scale
  let num = q.digits * 2n ** BigInt(q.exp2)
  let den = 1n
  if (e >= 0) num *= 10n ** BigInt(e)
  else den = 10n ** BigInt(-e)
  return {num: q.negative ? -num : num, den}
}

/** Returns ceil(q * 10^scale) as a number, exactly (no floating point rounding on the way). */
function scaledCeil(q: Quantity, scale: number): number {
  const {num, den} = scaled(q, scale)
  // Round toward +infinity, as Quantity.Value()/MilliValue() do.
  let result = num / den
  if (num % den !== 0n && num > 0n) result += 1n
  return Number(result)
}

/** Parses q and returns its value in base units (bytes, cores, counts), rounded up to an integer. */
export function quantityValue(q: string | number): number {
  return scaledCeil(parseQuantity(q), 0)
}

/** Parses q and returns its value in thousandths (millicores for cpu), rounded up to an integer. */
export function quantityMilliValue(q: string | number): number {
  return scaledCeil(parseQuantity(q), 3)
}

/** True when q parses as a quantity. */
export function isQuantity(q: unknown): q is string | number {
  if (typeof q !== 'string' && typeof q !== 'number') return false
  try {
    parseQuantity(q)
    return true
  } catch {
    return false
  }
}

/**
 * The value of a quantity in base units (cores, bytes) as a plain number, fractions kept ("250m" is 0.25);
 * undefined when absent or malformed, for callers reading objects that validation already checked.
 */
export function quantityNumber(q: unknown): number | undefined {
  if (!isQuantity(q)) return undefined
  const {num, den} = scaled(parseQuantity(q), 0)
  return Number(num) / Number(den)
}

/** Millicores of a cpu quantity, rounded up as the API does; undefined when absent or malformed. */
export function milliCPU(q: unknown): number | undefined {
  return isQuantity(q) ? quantityMilliValue(q) : undefined
}
