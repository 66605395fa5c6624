// Splits a watch response body (one JSON event per line) into events, across arbitrary chunk boundaries.
import {StringDecoder} from 'node:string_decoder'
import type {KubeObject, WatchEvent} from '../api/types.js'

const EVENT_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'])

/** Incremental parser of newline-delimited watch events; feed it chunks, it returns whole events. */
export class WatchParser<T extends KubeObject = KubeObject> {
  // The decoder keeps a multi-byte UTF-8 character split across chunks intact.
  private decoder = new StringDecoder('utf8')
  private buffer = ''

  /** Adds a chunk and returns the events completed by it. Throws on a line that is not a watch event. */
  push(chunk: Buffer | string): WatchEvent<T>[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.write(chunk)
    const events: WatchEvent<T>[] = []
    let nl: number
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl)
      this.buffer = this.buffer.slice(nl + 1)
      const ev = parseLine<T>(line)
      if (ev) events.push(ev)
    }
    return events
  }

  /** Flushes a final event not terminated by a newline. */
  end(): WatchEvent<T>[] {
    const rest = this.buffer + this.decoder.end()
    this.buffer = ''
    const ev = parseLine<T>(rest)
    return ev ? [ev] : []
  }
}

function parseLine<T extends KubeObject>(line: string): WatchEvent<T> | undefined {
  const trimmed = line.trim()
  if (!trimmed) return undefined
  let parsed: any
  try {
    parsed = JSON.parse(trimmed)
  } catch {
    throw new Error(`malformed watch event: ${trimmed.slice(0, 200)}`)
  }
  if (!parsed || !EVENT_TYPES.has(parsed.type) || typeof parsed.object !== 'object' || parsed.object === null) {
    throw new Error(`unexpected watch event: ${trimmed.slice(0, 200)}`)
  }
  return parsed as WatchEvent<T>
}
