// Slow-start batching of API calls, shared by the controllers that create many pods (ReplicaSet, DaemonSet).

/** Runs fn count times in batches of 1, 2, 4, ... and stops after a batch with a failure (as Kubernetes' slowStartBatch). */
export async function slowStartBatch(count: number, initial: number, fn: () => Promise<void>): Promise<{successes: number; error?: unknown}> {
  let remaining = count
  let successes = 0
  for (let batch = Math.min(remaining, initial); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({length: batch}, () => fn()))
    let error: unknown
    for (const r of results) {
      if (r.status === 'fulfilled') successes++
      else error ??= r.reason
    }
    // A failing batch usually means quota or admission rejects every pod: do not hammer the apiserver with the rest.
    if (error !== undefined) return {successes, error}
    remaining -= batch
  }
  return {successes}
}
