// What makes a service's endpoints worth recomputing: the service itself, and any pod of its namespace whose labels its selector matched before or after the change.
import type {Pod} from '../../api/types/workloads.js'
import type {Service} from '../../api/resources/core/service.js'
import {objectKey} from '../../client/paths.js'
import type {Lister} from '../types.js'
import {selectorMatches} from '../../api/selectors.js'

/** The pods a service selects in its namespace (none without a selector: such services are managed by hand). */
export function selectedPods(svc: Service, pods: Lister<Pod>): Pod[] {
  const selector = svc.spec?.selector
  if (!selector || Object.keys(selector).length === 0) return []
  const ns = svc.metadata.namespace
  return pods.list().filter((p) => p.metadata.namespace === ns && matches(selector, p.metadata.labels))
}

/** A service selector is a label selector of matchLabels only. */
const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) => selectorMatches({matchLabels: selector}, labels)

/** Registers handlers that enqueue the key of every service whose endpoints a service or pod change may alter. */
export function watchServicesAndPods(services: Lister<Service>, pods: Lister<Pod>, enqueue: (key: string) => void): void {
  services.addHandlers({
    onAdd: (s) => enqueue(objectKey(s)),
    onUpdate: (_o, s) => enqueue(objectKey(s)),
    onDelete: (s) => enqueue(objectKey(s)),
  })
  const forPod = (...versions: Pod[]) => {
    const ns = versions[0].metadata.namespace
    for (const svc of services.list()) {
      const selector = svc.spec?.selector
      if (svc.metadata.namespace !== ns || !selector || Object.keys(selector).length === 0) continue
      if (versions.some((p) => matches(selector, p.metadata.labels))) enqueue(objectKey(svc))
    }
  }
  pods.addHandlers({
    onAdd: (p) => forPod(p),
    // Status-only churn that cannot change endpoints (the same IP, readiness, node and labels) is skipped.
    onUpdate: (o, p) => endpointRelevant(o) !== endpointRelevant(p) && forPod(o, p),
    onDelete: (p) => forPod(p),
  })
}

/** The pod facts endpoints depend on, as one comparable string. */
function endpointRelevant(p: Pod): string {
  const ready = (p.status?.conditions ?? []).find((c) => c.type === 'Ready')?.status
  return JSON.stringify([p.status?.podIP, p.status?.phase, ready, p.spec?.nodeName, p.metadata.deletionTimestamp, p.metadata.labels, p.spec?.hostname, p.spec?.subdomain])
}
