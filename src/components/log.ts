// Log lines of the in-node components: one line each, timestamped, prefixed by component, on stdout (what `docker logs` shows).

/** Logs one line for a component. */
export type Log = (msg: string) => void

/** A logger whose lines read `2024-01-01T00:00:00.123Z agent node registered`. */
export function componentLogger(component: string, write: (line: string) => void = (l) => process.stdout.write(l)): Log {
  return (msg) => write(`${new Date().toISOString()} ${component} ${msg}\n`)
}

/** Resident set size in MiB, rounded, for startup and periodic logs. */
export function rssMiB(): number {
  return Math.round(process.memoryUsage().rss / (1024 * 1024))
}
