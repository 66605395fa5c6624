// NodeRestriction admission: a node writes only its own Node object and the pods bound to it, and cannot grant itself restricted labels.
import type {KubeObject} from '../../api/types.js'
import {nodeIdentity} from '../authz/node/index.js'
import type {ServerContext} from '../context.js'
import {keyOf} from '../context.js'
import {ApiError} from '../errors.js'
import type {AdmissionAttributes, AdmissionPlugin} from './types.js'

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror'
/** Labels only an administrator may set on a Node (a node must not be able to steer workloads pinned by them). */
const RESTRICTED_LABEL_PREFIX = 'node-restriction.kubernetes.io/'

function forbid(a: AdmissionAttributes, why: string): ApiError {
  const resource = a.def.resource
  const qualified = a.def.group ? `${resource}.${a.def.group}` : resource
  return new ApiError(403, 'Forbidden', `${qualified} "${a.name}" is forbidden: ${why}`, {name: a.name, group: a.def.group, kind: resource})
}

const nodeNameOf = (pod: KubeObject | undefined): string | undefined => (pod?.spec as {nodeName?: string} | undefined)?.nodeName

function restrictedLabels(obj: KubeObject | undefined, old: KubeObject | undefined): string[] {
  const now = obj?.metadata.labels ?? {}
  const before = old?.metadata.labels ?? {}
  const keys = new Set([...Object.keys(now), ...Object.keys(before)])
  return [...keys].filter((k) => (k.startsWith(RESTRICTED_LABEL_PREFIX) || k.split('/')[0].endsWith(`.${RESTRICTED_LABEL_PREFIX.slice(0, -1)}`)) && now[k] !== before[k]).sort()
}

function admitPod(node: string, a: AdmissionAttributes): void {
  if (a.operation === 'CREATE' && !a.subresource) {
    if (!a.object?.metadata.annotations?.[MIRROR_ANNOTATION]) throw forbid(a, `pod does not have "${MIRROR_ANNOTATION}" annotation, node "${node}" can only create mirror pods`)
    if (nodeNameOf(a.object) !== node) throw forbid(a, `node "${node}" can only create pods with spec.nodeName set to itself`)
    return
  }
  if (a.operation === 'DELETE' && !a.subresource) {
    if (nodeNameOf(a.oldObject) !== node) throw forbid(a, `node "${node}" can only delete pods with spec.nodeName set to itself`)
    return
  }
  if (a.subresource === 'status') {
    if (nodeNameOf(a.oldObject ?? a.object) !== node) throw forbid(a, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`)
    return
  }
  if (a.subresource === 'eviction') {
    if (a.oldObject && nodeNameOf(a.oldObject) !== node) throw forbid(a, `node "${node}" can only evict pods with spec.nodeName set to itself`)
    return
  }
  throw forbid(a, `node "${node}" is not allowed to ${a.operation.toLowerCase()} pods${a.subresource ? `/${a.subresource}` : ''}`)
}

function admitNode(node: string, a: AdmissionAttributes): void {
  if (a.name !== node) throw forbid(a, `node "${node}" is not allowed to modify node "${a.name}"`)
  if (a.operation === 'CREATE' || a.operation === 'UPDATE') {
    const changed = restrictedLabels(a.object, a.operation === 'UPDATE' ? a.oldObject : undefined)
    if (changed.length) throw forbid(a, `is not allowed to modify labels: ${changed.join(', ')}`)
  }
}

/** A node asks tokens only for pods bound to it, bound to that very pod (Kubernetes' wording). */
async function admitToken(node: string, a: AdmissionAttributes, ctx: ServerContext): Promise<void> {
  const ref = (a.object?.spec as {boundObjectRef?: {kind?: string; name?: string; uid?: string}} | undefined)?.boundObjectRef
  if (ref?.kind !== 'Pod') throw forbid(a, 'node requested token not bound to a pod')
  if (!ref.uid) throw forbid(a, 'node requested token with a pod binding without a uid')
  const podDef = ctx.registry.lookup('', 'v1', 'pods')
  const pod = podDef ? (await ctx.store.get(keyOf(podDef, a.namespace, ref.name ?? '')))?.value : undefined
  if (!pod) throw forbid(a, `node requested token bound to a pod that does not exist: ${ref.name}`)
  if (pod.metadata.uid !== ref.uid) throw forbid(a, 'the UID in the bound object reference does not match the pod')
  if (nodeNameOf(pod) !== node) throw forbid(a, 'node requested token bound to a pod scheduled on a different node')
}

/** Kubernetes' NodeRestriction plugin, for the kinds skiff's agent writes. */
export const nodeRestriction: AdmissionPlugin<ServerContext> = {
  name: 'NodeRestriction',
  async validate(a, ctx) {
    const node = nodeIdentity(a.user)
    if (node === undefined) return
    if (a.def.group !== '') return
    if (!node) throw forbid(a, `could not determine node from user "${a.user.name}"`)
    if (a.def.resource === 'pods') admitPod(node, a)
    else if (a.def.resource === 'nodes') admitNode(node, a)
    else if (a.def.resource === 'serviceaccounts' && a.subresource === 'token' && a.operation === 'CREATE') await admitToken(node, a, ctx)
  },
}
