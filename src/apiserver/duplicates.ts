// Duplicate keys in a JSON body, by field path (metadata.name, spec.containers[0].image), for fieldValidation's "duplicate field" errors.

/** Paths of keys that appear twice in the same object, in document order; [] for invalid JSON (the decoder reports that). */
export function duplicateFields(text: string): string[] {
  type Frame = {kind: 'object'; path: string; keys: Set<string>; key?: string} | {kind: 'array'; path: string; index: number}
  const stack: Frame[] = []
  const found: string[] = []
  const childPath = (f: Frame | undefined): string => {
    if (!f) return ''
    if (f.kind === 'array') return `${f.path}[${f.index}]`
    return f.path ? `${f.path}.${f.key}` : f.key ?? ''
  }
  let i = 0
  // After a string inside an object, the next ':' makes it a key.
  let lastString: string | undefined
  while (i < text.length) {
    const c = text[i]
    if (c === '"') {
      let j = i + 1
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1
      const raw = text.slice(i, j + 1)
      try {
        lastString = JSON.parse(raw) as string
      } catch {
        return []
      }
      i = j + 1
      continue
    }
    const top = stack[stack.length - 1]
    if (c === ':' && top?.kind === 'object' && lastString !== undefined) {
      const path = top.path ? `${top.path}.${lastString}` : lastString
      if (top.keys.has(lastString)) found.push(path)
      top.keys.add(lastString)
      top.key = lastString
    } else if (c === '{') {
      stack.push({kind: 'object', path: childPath(top), keys: new Set()})
    } else if (c === '[') {
      stack.push({kind: 'array', path: childPath(top), index: 0})
    } else if (c === '}' || c === ']') {
      stack.pop()
    } else if (c === ',' && top?.kind === 'array') {
      top.index++
    }
    if (c !== ' ' && c !== '\n' && c !== '\t' && c !== '\r') lastString = undefined
    i++
  }
  return found
}
