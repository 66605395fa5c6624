// Parses a YAML config with the line of every field kept (eemeli/yaml's LineCounter), so errors can name the line.
import {isMap, isScalar, isSeq, LineCounter, parseDocument, type Node} from 'yaml'

/** A parsed document and the 1-based line of each field path ("nodes[1].labels", "networking.podSubnet"). */
export interface PositionedDoc {
  doc: unknown
  lines: Map<string, number>
}

/** A YAML syntax error with its line. */
export class YAMLSyntaxError extends Error {
  constructor(message: string, readonly line?: number) {
    super(message)
  }
}

/** Parses text; throws YAMLSyntaxError on invalid YAML. */
export function parseWithPositions(text: string): PositionedDoc {
  const counter = new LineCounter()
  const document = parseDocument(text, {lineCounter: counter, prettyErrors: false, uniqueKeys: true})
  if (document.errors.length > 0) {
    const e = document.errors[0]
    throw new YAMLSyntaxError(e.message.split('\n')[0], counter.linePos(e.pos[0]).line)
  }
  const lines = new Map<string, number>()
  const lineOf = (node: Node | null | undefined) => (node?.range ? counter.linePos(node.range[0]).line : undefined)
  const walk = (node: unknown, path: string) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key)
        const sub = path ? `${path}.${key}` : key
        const line = lineOf(pair.key as Node)
        if (line !== undefined) lines.set(sub, line)
        walk(pair.value, sub)
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const sub = `${path}[${i}]`
        const line = lineOf(item as Node)
        if (line !== undefined) lines.set(sub, line)
        walk(item, sub)
      })
    }
  }
  walk(document.contents, '')
  return {doc: document.toJS(), lines}
}

/** The line of a path, or of its nearest ancestor that has one. */
export function lineFor(lines: Map<string, number> | undefined, path: string): number | undefined {
  if (!lines) return undefined
  let p = path
  while (p) {
    const line = lines.get(p)
    if (line !== undefined) return line
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['))
    p = cut > 0 ? p.slice(0, cut) : ''
  }
  return undefined
}
