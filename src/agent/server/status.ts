// Errors of the agent's streaming server, answered as Kubernetes Status objects so the apiserver can pass them through unchanged.

export class AgentError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string) {
    super(message)
    this.name = 'AgentError'
  }
}

/** The Status body for `err` (unknown errors become 500 InternalError). */
export function statusOf(err: unknown): {code: number; body: Record<string, unknown>} {
  const e = err instanceof AgentError ? err : new AgentError(500, 'InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`)
  return {code: e.code, body: {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: e.message, reason: e.reason, code: e.code}}
}
