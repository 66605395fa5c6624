// The text of a thrown value, for controllers' logs, events and conditions.

/** An error's message (an API error's is the server's Status message), or the value itself as text. */
export function messageOf(err: unknown): string {
  const message = (err as {message?: unknown} | null | undefined)?.message
  return typeof message === 'string' ? message : String(err)
}
