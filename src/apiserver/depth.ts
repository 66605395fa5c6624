// The nesting limit every decoded body and every object about to be stored must keep, so no object can wedge the store.

/**
 * Kubernetes allows 10,000 levels (Go's stacks grow). Patch, merge and copy code here recurses on the JS stack,
 * which overflowed past about 1,800 levels when measured; 512 leaves room for every path (bundled node, watch
 * encoders, garbage collection) while staying far above any real object.
 */
export const MAX_DEPTH = 512

/** Whether `value` nests objects or arrays deeper than `max`; iterative, so a hostile body cannot overflow the check itself. */
export function exceedsDepth(value: unknown, max: number = MAX_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (v === null || typeof v !== 'object') continue
    if (depth >= max) return true
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1])
    }
  }
  return false
}

/** The message for a value past the limit, worded as Kubernetes' JSON decoder words it. */
export function depthMessage(max: number = MAX_DEPTH): string {
  return `exceeded max depth of ${max}`
}
