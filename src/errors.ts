// User-facing errors: a message, an exit code and what to do next; commands print them without a stack.

/** An error caused by the user's input or environment, shown without a stack trace. */
export class SkiffError extends Error {
  readonly exitCode: number
  readonly suggestions: string[]

  constructor(message: string, opts: {exitCode?: number; suggestions?: string[]; cause?: unknown} = {}) {
    super(message, {cause: opts.cause})
    this.name = 'SkiffError'
    this.exitCode = opts.exitCode ?? 1
    this.suggestions = opts.suggestions ?? []
  }
}

/** Returns the message of any thrown value, including the output a failed step carried. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}
