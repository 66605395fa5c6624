// Keeps the last lines of a step's output, so a failure can show what went wrong.

/** A bounded buffer of the most recent output lines. */
export class Tail {
  private lines: string[] = []
  constructor(private readonly max = 40) {}

  /** Adds one line, dropping the oldest beyond the limit. */
  push(line: string): void {
    this.lines.push(line)
    if (this.lines.length > this.max) this.lines.shift()
  }

  /** Adds each non-blank line of a chunk of output and hands it to onLine. */
  feed(text: string, onLine: (line: string) => void = () => {}): void {
    for (const line of text.split('\n')) {
      if (!line.trim()) continue
      this.push(line)
      onLine(line)
    }
  }

  toString(): string {
    return this.lines.join('\n')
  }
}
