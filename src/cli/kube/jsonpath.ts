// kubectl's JSONPath templates (-o jsonpath=..., wait --for=jsonpath=...): fields, indexes, wildcards, filters and range/end.
import {SkiffError} from '../../errors.js'

type Node = {text: string} | {expr: string} | {range: string; body: Node[]}

/** Splits a template into literal text, `{expressions}` and `{range ...}...{end}` blocks. */
function parseTemplate(t: string): Node[] {
  const root: Node[] = []
  const stack: Node[][] = [root]
  const ranges: Array<{range: string; body: Node[]}> = []
  let i = 0
  while (i < t.length) {
    const open = t.indexOf('{', i)
    if (open < 0) {
      stack[stack.length - 1].push({text: t.slice(i)})
      break
    }
    if (open > i) stack[stack.length - 1].push({text: t.slice(i, open)})
    const close = t.indexOf('}', open)
    if (close < 0) throw new SkiffError(`error parsing jsonpath ${t}: unclosed action`, {exitCode: 1})
    const inner = t.slice(open + 1, close).trim()
    if (inner.startsWith('range ')) {
      const node = {range: inner.slice(6).trim(), body: []}
      stack[stack.length - 1].push(node)
      ranges.push(node)
      stack.push(node.body)
    } else if (inner === 'end') {
      if (stack.length === 1) throw new SkiffError(`error parsing jsonpath ${t}: unexpected end`, {exitCode: 1})
      stack.pop()
    } else if (/^".*"$/.test(inner) || /^'.*'$/.test(inner)) {
      stack[stack.length - 1].push({text: JSON.parse(`"${inner.slice(1, -1).replace(/"/g, '\\"')}"`) as string})
    } else {
      stack[stack.length - 1].push({expr: inner})
    }
    i = close + 1
  }
  return root
}

/** Evaluates one path (`.items[*].metadata.name`, `@.status`, `[?(@.type=="Ready")].status`) against `data`. */
export function evaluate(path: string, data: unknown, current: unknown = data): unknown[] {
  let p = path.trim()
  let values: unknown[] = [data]
  if (p.startsWith('@')) {
    values = [current]
    p = p.slice(1)
  } else if (p.startsWith('$')) p = p.slice(1)
  const re = /^(?:\.\.?([A-Za-z0-9_\-/]+)|\.?\[\?\((.*?)\)\]|\.?\[(\*|-?\d+(?::-?\d*)?|'[^']*'|"[^"]*")\]|\.\*?)/
  while (p.length) {
    const m = re.exec(p)
    if (!m || m[0] === '') throw new SkiffError(`error parsing jsonpath ${path}: unexpected "${p}"`, {exitCode: 1})
    p = p.slice(m[0].length)
    const next: unknown[] = []
    for (const v of values) {
      if (m[1] !== undefined) {
        if (v && typeof v === 'object' && !Array.isArray(v) && m[1] in v) next.push((v as Record<string, unknown>)[m[1]])
      } else if (m[2] !== undefined) {
        for (const item of Array.isArray(v) ? v : []) if (filterMatches(m[2], item)) next.push(item)
      } else if (m[3] !== undefined) {
        next.push(...index(v, m[3]))
      } else if (m[0] === '.*' || m[0] === '.') {
        if (m[0] === '.*' && v && typeof v === 'object') next.push(...Object.values(v))
        else if (m[0] === '.') next.push(v)
      }
    }
    values = next
  }
  return values
}

function index(v: unknown, sel: string): unknown[] {
  if (sel === '*') return Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v) : []
  if (/^['"]/.test(sel)) {
    const key = sel.slice(1, -1)
    return v && typeof v === 'object' && key in v ? [(v as Record<string, unknown>)[key]] : []
  }
  if (!Array.isArray(v)) return []
  const [a, b] = sel.split(':')
  const norm = (n: number) => (n < 0 ? v.length + n : n)
  if (b === undefined) {
    const i = norm(Number(a))
    return i >= 0 && i < v.length ? [v[i]] : []
  }
  return v.slice(a === '' ? 0 : norm(Number(a)), b === '' ? v.length : norm(Number(b)))
}

/** A filter such as `@.type=="Ready"`, `@.status!='False'`, `@.replicas>2` or `@.name` (exists). */
function filterMatches(expr: string, item: unknown): boolean {
  const m = /^(.*?)\s*(==|!=|<=|>=|<|>)\s*(.*)$/.exec(expr)
  if (!m) return evaluate(expr, item, item).length > 0
  const left = evaluate(m[1], item, item)[0]
  const raw = m[3].trim()
  const right: unknown = /^['"]/.test(raw) ? raw.slice(1, -1) : raw.startsWith('@') ? evaluate(raw, item, item)[0] : Number.isNaN(Number(raw)) ? raw : Number(raw)
  switch (m[2]) {
    case '==': return String(left) === String(right)
    case '!=': return String(left) !== String(right)
    case '<': return Number(left) < Number(right)
    case '>': return Number(left) > Number(right)
    case '<=': return Number(left) <= Number(right)
    default: return Number(left) >= Number(right)
  }
}

/** How kubectl prints one value: strings bare, everything else as compact JSON. */
function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v)
}

/** Inside `range`, paths are relative to the item being visited, as in kubectl's templates. */
function render(nodes: Node[], current: unknown): string {
  let out = ''
  for (const n of nodes) {
    if ('text' in n) out += n.text
    else if ('expr' in n) out += evaluate(n.expr, current, current).map(show).join(' ')
    else for (const item of evaluate(n.range, current, current)) out += render(n.body, item)
  }
  return out
}

/** Fills a kubectl JSONPath template (braces optional around a lone path, as kubectl allows) with `data`. */
export function jsonpath(template: string, data: unknown): string {
  const t = template.includes('{') ? template : `{${template}}`
  return render(parseTemplate(t), data)
}
