// Revision history of a workload: a deployment's ReplicaSets, or the ControllerRevisions of a daemon set or stateful set.
import type {KubeClient} from './client.js'
import {fetchObjects} from './fetch.js'
import {podSelector, ownedRevisions} from './workloads.js'
import type {KubeObject, ResourceInfo} from './types.js'

const replicaSets: ResourceInfo = {group: 'apps', version: 'v1', resource: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', namespaced: true, shortNames: [], categories: [], verbs: [], subresources: []}
const controllerRevisions: ResourceInfo = {...replicaSets, resource: 'controllerrevisions', singular: 'controllerrevision', kind: 'ControllerRevision'}

/** The revisions `owner` controls, oldest first. */
export async function revisions(client: KubeClient, owner: KubeObject): Promise<KubeObject[]> {
  const type = owner.kind === 'Deployment' ? replicaSets : controllerRevisions
  const {result} = await fetchObjects(client, type, {namespace: owner.metadata?.namespace, names: [], labelSelector: owner.kind === 'Deployment' ? podSelector(owner) : undefined})
  return ownedRevisions(owner, result)
}

/** A ReplicaSet's pod template as a deployment's template: without the pod-template-hash label the controller adds. */
export function templateOf(rs: KubeObject): Record<string, unknown> {
  const template = JSON.parse(JSON.stringify((rs.spec as {template?: unknown} | undefined)?.template ?? {})) as {metadata?: {labels?: Record<string, string>}}
  if (template.metadata?.labels) delete template.metadata.labels['pod-template-hash']
  return template
}
