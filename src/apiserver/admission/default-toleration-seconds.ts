// DefaultTolerationSeconds admission: new pods tolerate not-ready and unreachable nodes for 300 s unless they already say otherwise.
import type {Pod, Toleration} from '../../api/types/workloads.js'
import type {AdmissionPlugin} from './types.js'

/** Kubernetes' default for both tolerations (--default-not-ready-toleration-seconds, --default-unreachable-toleration-seconds). */
export const DEFAULT_TOLERATION_SECONDS = 300
const NOT_READY = 'node.kubernetes.io/not-ready'
const UNREACHABLE = 'node.kubernetes.io/unreachable'

/** Whether some toleration already covers the NoExecute taint `key` (an empty key or effect matches everything). */
function tolerates(tolerations: Toleration[], key: string): boolean {
  return tolerations.some((t) => (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect))
}

/** Adds the two tolerations to a pod spec in place, not-ready first, as the upstream plugin does. */
export function addDefaultTolerations(pod: Pod): void {
  const spec = pod.spec
  if (!spec) return
  const existing = spec.tolerations ?? []
  const add: Toleration[] = []
  for (const key of [NOT_READY, UNREACHABLE]) {
    if (!tolerates(existing, key)) add.push({key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: DEFAULT_TOLERATION_SECONDS})
  }
  if (add.length > 0) spec.tolerations = [...existing, ...add]
}

export const defaultTolerationSeconds: AdmissionPlugin = {
  name: 'DefaultTolerationSeconds',
  operations: ['CREATE'],
  mutate(a) {
    if (a.subresource || a.def.group !== '' || a.def.resource !== 'pods' || !a.object) return
    addDefaultTolerations(a.object as Pod)
  },
}
