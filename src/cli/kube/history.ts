// Revision history of a workload: a deployment's ReplicaSets, or the ControllerRevisions of a daemon set or stateful set.
import type {KubeClient} from './client.js'
import {fetchObjects} from './fetch.js'
import {ownedRevisions, podSelector, revisionOf} from './workloads.js'
import type {KubeObject, ResourceInfo} from './types.js'

const replicaSets: ResourceInfo = {group: 'apps', version: 'v1', resource: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', namespaced: true, shortNames: [], categories: [], verbs: [], subresources: []}
const controllerRevisions: ResourceInfo = {...replicaSets, resource: 'controllerrevisions', singular: 'controllerrevision', kind: 'ControllerRevision'}

/** The revisions `owner` controls, oldest first. */
export async function revisions(client: KubeClient, owner: KubeObject): Promise<KubeObject[]> {
  const type = owner.kind === 'Deployment' ? replicaSets : controllerRevisions
  const {result} = await fetchObjects(client, type, {namespace: owner.metadata?.namespace, names: [], labelSelector: owner.kind === 'Deployment' ? podSelector(owner) : undefined})
  return ownedRevisions(owner, result)
}

/**
 * The pod template a revision holds, as the workload's spec.template: a ReplicaSet's without the pod-template-hash
 * label its controller adds; a ControllerRevision's from its data (`{spec: {template: {..., $patch: replace}}}`, the
 * strategic merge patch the daemon set and stateful set controllers record) without the `$patch` directive.
 */
export function templateOf(rev: KubeObject): Record<string, unknown> {
  if (rev.kind === 'ControllerRevision') {
    const data = rev.data as {spec?: {template?: Record<string, unknown>}} | undefined
    const {$patch: _directive, ...template} = JSON.parse(JSON.stringify(data?.spec?.template ?? {})) as Record<string, unknown>
    return template
  }
  const template = JSON.parse(JSON.stringify((rev.spec as {template?: unknown} | undefined)?.template ?? {})) as {metadata?: {labels?: Record<string, string>}}
  if (template.metadata?.labels) delete template.metadata.labels['pod-template-hash']
  return template
}

/**
 * The revision `rollout undo` goes back to: `--to-revision`, else the one before the newest (kubectl's findHistory);
 * a message saying why when there is none.
 */
export function undoTarget(revs: KubeObject[], wanted: number | undefined, kind: string | undefined): KubeObject | string {
  if (wanted !== undefined) return revs.find((x) => revisionOf(x) === wanted) ?? `unable to find specified revision ${wanted} in history`
  const sorted = [...revs].sort((a, b) => revisionOf(a) - revisionOf(b))
  return sorted.at(-2) ?? (kind === 'Deployment' ? 'no rollout history found' : 'no last revision to roll back to')
}
