// The scale subresource of a custom resource: replicas and selector at the paths its CRD names (specReplicasPath etc.).
import type {ScalePaths} from '../../api/resources/def.js'
import type {KubeObject} from '../../api/types.js'

function parts(path: string): string[] {
  return path.replace(/^\./, '').split('.').filter(Boolean)
}

/** Reads a dotted path such as `.spec.replicas`. */
export function readPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj
  for (const p of parts(path)) {
    if (!cur || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[p]
  }
  return cur
}

/** Writes a dotted path, creating the objects on the way (a CRD's spec replicas may be absent). */
export function writePath(obj: KubeObject, path: string, value: unknown): void {
  const ps = parts(path)
  let cur = obj as unknown as Record<string, unknown>
  for (const p of ps.slice(0, -1)) {
    if (!cur[p] || typeof cur[p] !== 'object') cur[p] = {}
    cur = cur[p] as Record<string, unknown>
  }
  cur[ps[ps.length - 1]] = value
}

/** The Scale's spec and status fields of a custom resource (Kubernetes: 0 for unset replicas, selector verbatim). */
export function customScale(obj: KubeObject, paths: ScalePaths): {replicas: number; statusReplicas: number; selector: string} {
  const num = (v: unknown): number => (typeof v === 'number' ? v : 0)
  const sel = paths.labelSelectorPath ? readPath(obj, paths.labelSelectorPath) : undefined
  return {replicas: num(readPath(obj, paths.specReplicasPath)), statusReplicas: num(readPath(obj, paths.statusReplicasPath)), selector: typeof sel === 'string' ? sel : ''}
}
