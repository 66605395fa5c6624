// The hashes controllers name things by (pod-template-hash, controller-revision-hash): FNV-32a, safe-encoded as Kubernetes does.
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789'

/** Maps each character to the alphabet without vowels and look-alikes, so hashes never spell words (rand.SafeEncodeString). */
export function safeEncodeString(s: string): string {
  let out = ''
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length]
  return out
}

/** FNV-1a, 32 bit. */
export function fnv32a(data: Uint8Array, h = 0x811c9dc5): number {
  for (const b of data) {
    h ^= b
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/** FNV-32a of canonical bytes followed by collisionCount as 4 little-endian bytes, in decimal, safe-encoded. */
export function hashWithCollisions(body: Uint8Array, collisionCount?: number | null): string {
  let h = fnv32a(body)
  if (collisionCount !== undefined && collisionCount !== null) {
    const extra = Buffer.alloc(4)
    extra.writeUInt32LE(collisionCount >>> 0)
    h = fnv32a(extra, h)
  }
  return safeEncodeString(String(h))
}

/** Drops nulls, empty maps and empty lists, keys sorted: Go's semantic equality, and a stable hash input. */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out = v.map(canonical).map((x) => (x === undefined ? null : x))
    return out.length ? out : undefined
  }
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) {
      const c = canonical((v as Record<string, unknown>)[k])
      if (c !== undefined) out[k] = c
    }
    return Object.keys(out).length ? out : undefined
  }
  return v === null ? undefined : v
}
