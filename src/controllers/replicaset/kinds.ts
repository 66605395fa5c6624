// The kinds the replica loop reconciles: ReplicaSet (set-based selector) and ReplicationController (equality-based map selector).
import type {LabelSelector} from '../../api/selectors.js'
import type {KubeObject} from '../../api/types.js'

/** What the replica loop needs to know about the kind it keeps pods for. */
export interface ReplicatedKind {
  /** Controller name, as in the manager's registry and its logs. */
  controllerName: string
  /** Event source component. */
  component: string
  apiVersion: string
  kind: string
  /** The collection of objects of the kind. */
  target: {group?: string; version: string; resource: string}
  /** The object's pod selector as a LabelSelector (undefined when unset). */
  selector(obj: KubeObject): LabelSelector | undefined
}

/** apps/v1 ReplicaSet: spec.selector is already a LabelSelector. */
export const replicaSetKind: ReplicatedKind = {
  controllerName: 'replicaset',
  component: 'replicaset-controller',
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  target: {group: 'apps', version: 'v1', resource: 'replicasets'},
  selector: (obj) => obj.spec?.selector as LabelSelector | undefined,
}

/** v1 ReplicationController: spec.selector is a plain label map, every entry of which must match. */
export const replicationControllerKind: ReplicatedKind = {
  controllerName: 'replicationcontroller',
  component: 'replication-controller',
  apiVersion: 'v1',
  kind: 'ReplicationController',
  target: {version: 'v1', resource: 'replicationcontrollers'},
  selector: (obj) => {
    const labels = obj.spec?.selector as Record<string, string> | undefined
    return labels ? {matchLabels: labels} : undefined
  },
}
