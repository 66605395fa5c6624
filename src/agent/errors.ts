// The text of a thrown value for the agent's logs, events and waiting reasons.

/** docker's JSON message when a daemon call failed, else the error's message, else the value as text. */
export function errorText(err: unknown): string {
  const e = err as {json?: {message?: unknown}; message?: unknown} | null | undefined
  if (typeof e?.json?.message === 'string') return e.json.message
  return typeof e?.message === 'string' ? e.message : String(err)
}
