// A generic kubectl-like description: metadata, labels, annotations, spec and status as indented fields, conditions, and the object's events.
import {alignColumns, humanDuration} from './printers.js'
import type {KubeObject} from './types.js'

type Obj = Record<string, unknown>

function mapLines(title: string, m: Record<string, string> | undefined): string[] {
  const entries = Object.entries(m ?? {})
  if (!entries.length) return [`${title}<none>`]
  return entries.map(([k, v], i) => `${i ? ' '.repeat(title.length) : title}${k}=${v}`)
}

/** Field names as describe shows them: `restartPolicy` → `Restart Policy`. */
export function titleCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase())
}

/** Fields whose keys are data (label names, resource names), shown as they are rather than title-cased. */
const MAPS = new Set(['labels', 'annotations', 'matchLabels', 'nodeSelector', 'data', 'stringData', 'binaryData', 'selector', 'capacity', 'allocatable', 'limits', 'requests', 'hard', 'used'])

/** A value as nested `Key: value` lines, lists as `-` items; `verbatim` keeps the keys of a map as they are. */
export function fieldLines(v: unknown, indent: number, verbatim = false): string[] {
  const pad = ' '.repeat(indent)
  if (Array.isArray(v)) {
    return v.flatMap((item) => {
      if (item && typeof item === 'object') {
        const lines = fieldLines(item, indent + 2)
        return lines.length ? [`${pad}- ${lines[0].trimStart()}`, ...lines.slice(1)] : []
      }
      return [`${pad}- ${String(item)}`]
    })
  }
  if (v && typeof v === 'object') {
    return Object.entries(v as Obj).flatMap(([k, x]) => {
      const key = verbatim ? k : titleCase(k)
      if (x && typeof x === 'object' && !(Array.isArray(x) && !x.length) && Object.keys(x).length) return [`${pad}${key}:`, ...fieldLines(x, indent + 2, MAPS.has(k))]
      const text = x && typeof x === 'object' ? '<none>' : String(x)
      return [`${pad}${key}:  ${text}`]
    })
  }
  return [`${pad}${String(v)}`]
}

/** The description of `obj` with its `events` (oldest first). */
export function describe(obj: KubeObject, events: KubeObject[], now = Date.now()): string {
  const m = obj.metadata ?? {}
  const lines = [
    `Name:         ${m.name ?? ''}`,
    ...(m.namespace ? [`Namespace:    ${m.namespace}`] : []),
    ...mapLines('Labels:       ', m.labels),
    ...mapLines('Annotations:  ', Object.fromEntries(Object.entries(m.annotations ?? {}).filter(([k]) => k !== 'kubectl.kubernetes.io/last-applied-configuration'))),
    `API Version:  ${obj.apiVersion ?? ''}`,
    `Kind:         ${obj.kind ?? ''}`,
    `Created:      ${m.creationTimestamp ?? '<unknown>'}`,
  ]
  if (m.deletionTimestamp) lines.push(`Deleting:     since ${m.deletionTimestamp}`)
  const owners = m.ownerReferences ?? []
  if (owners.length) lines.push(`Controlled By:  ${owners.map((o) => `${o.kind}/${o.name}`).join(', ')}`)
  for (const [k, v] of Object.entries(obj)) {
    if (['apiVersion', 'kind', 'metadata'].includes(k)) continue
    if (k === 'status' && v && typeof v === 'object') {
      const {conditions, ...rest} = v as Obj
      if (Object.keys(rest).length) lines.push('Status:', ...fieldLines(rest, 2))
      if (Array.isArray(conditions) && conditions.length) {
        lines.push('Conditions:')
        const rows = [['Type', 'Status', 'Reason', 'Message'], ...(conditions as Obj[]).map((c) => [String(c.type ?? ''), String(c.status ?? ''), String(c.reason ?? ''), String(c.message ?? '')])]
        lines.push(...alignColumns(rows).map((l) => `  ${l}`))
      }
      continue
    }
    if (v && typeof v === 'object') lines.push(`${titleCase(k)}:`, ...fieldLines(v, 2))
    else lines.push(`${titleCase(k)}:  ${String(v)}`)
  }
  if (!events.length) lines.push('Events:  <none>')
  else {
    lines.push('Events:')
    const rows = [['Type', 'Reason', 'Age', 'From', 'Message'], ['----', '------', '----', '----', '-------']]
    for (const e of events) {
      const at = (e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp) as string | undefined
      const source = (e.source as {component?: string} | undefined)?.component ?? (e.reportingComponent as string | undefined) ?? ''
      const count = typeof e.count === 'number' && e.count > 1 ? ` (x${e.count})` : ''
      rows.push([String(e.type ?? ''), String(e.reason ?? ''), at ? humanDuration(now - Date.parse(at)) + count : '<unknown>', source, String(e.message ?? '').trim()])
    }
    lines.push(...alignColumns(rows).map((l) => `  ${l}`))
  }
  return lines.join('\n')
}
