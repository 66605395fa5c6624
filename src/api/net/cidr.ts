// IPv4 addresses and CIDR ranges (node addresses, pod /24s, the service range), parsed and validated by ipaddr.js.
import ipaddr from 'ipaddr.js'

/** A parsed IPv4 range: its network address as an unsigned 32-bit number, and its prefix length. */
interface Range {
  network: number
  prefix: number
  size: number
}

/** True when s is a dotted-quad IPv4 CIDR such as 10.244.0.0/16. */
export function isIPv4CIDR(s: unknown): s is string {
  return typeof s === 'string' && ipaddr.IPv4.isValidCIDRFourPartDecimal(s)
}

/** The prefix length of an IPv4 CIDR. */
export function prefixLength(cidr: string): number {
  return parseRange(cidr).prefix
}

function toNumber(ip: ipaddr.IPv4): number {
  return ip.octets.reduce((acc, o) => acc * 256 + o, 0)
}

function toAddress(n: number): string {
  return new ipaddr.IPv4([24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256)).toString()
}

function parseRange(cidr: string): Range {
  if (!isIPv4CIDR(cidr)) throw new Error(`${JSON.stringify(cidr)} is not an IPv4 CIDR`)
  const [, prefix] = ipaddr.IPv4.parseCIDR(cidr)
  return {network: toNumber(ipaddr.IPv4.networkAddressFromCIDR(cidr)), prefix, size: 2 ** (32 - prefix)}
}

/** The address `offset` after the network address of cidr (offset 1 is the first host: gateway, `kubernetes` Service). */
export function addressIn(cidr: string, offset: number): string {
  const r = parseRange(cidr)
  if (offset <= 0 || offset >= r.size - 1) throw new Error(`${cidr} has no host address at offset ${offset}`)
  return toAddress(r.network + offset)
}

/** The index-th range of the given prefix length inside cidr: subnetAt('10.244.0.0/16', 24, 3) is 10.244.3.0/24. */
export function subnetAt(cidr: string, prefix: number, index: number): string {
  const r = parseRange(cidr)
  const size = 2 ** (32 - prefix)
  if (prefix < r.prefix || index < 0 || (index + 1) * size > r.size) throw new Error(`${cidr} has no /${prefix} number ${index}`)
  return `${toAddress(r.network + index * size)}/${prefix}`
}

/** True when two ranges share an address; a plain address counts as its /32. Anything not IPv4 overlaps nothing. */
export function rangesOverlap(a: string, b: string): boolean {
  const range = (s: string): Range | undefined => {
    if (isIPv4CIDR(s)) return parseRange(s)
    return ipaddr.IPv4.isValidFourPartDecimal(s) ? {network: toNumber(ipaddr.IPv4.parse(s)), prefix: 32, size: 1} : undefined
  }
  const ra = range(a)
  const rb = range(b)
  if (!ra || !rb) return false
  return ra.network < rb.network + rb.size && rb.network < ra.network + ra.size
}

/** How many addresses cidr holds (network and broadcast addresses included). */
export function rangeSize(cidr: string): number {
  return parseRange(cidr).size
}

/** The offset of ip from cidr's network address, or undefined when ip is not a valid IPv4 address inside cidr. */
export function offsetIn(cidr: string, ip: string): number | undefined {
  if (!ipaddr.IPv4.isValidFourPartDecimal(ip)) return undefined
  const r = parseRange(cidr)
  const n = toNumber(ipaddr.IPv4.parse(ip)) - r.network
  return n >= 0 && n < r.size ? n : undefined
}
