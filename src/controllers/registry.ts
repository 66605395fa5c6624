// The control loops the manager runs by default, by name (add new loops here).
import {newCronJobController} from './cronjob/controller.js'
import {newDaemonSetController} from './daemonset/controller.js'
import {newDeploymentController} from './deployment/controller.js'
import {newDisruptionController} from './disruption/controller.js'
import {newEndpointsController} from './endpoints/controller.js'
import {newEndpointSliceController} from './endpointslice/controller.js'
import {newGarbageCollector} from './garbagecollector/controller.js'
import {newJobController} from './job/controller.js'
import {newNamespaceController} from './namespace/controller.js'
import {newNodeIpamController} from './nodeipam/controller.js'
import {newNodeLifecycleController} from './nodelifecycle/controller.js'
import {newPodGCController} from './podgc/controller.js'
import {newReplicaSetController} from './replicaset/controller.js'
import {newReplicationControllerController} from './replicaset/replicationcontroller.js'
import {newResourceQuotaController} from './resourcequota/controller.js'
import {newRootCACertPublisher} from './rootcacert/controller.js'
import {newServiceAccountsController} from './serviceaccount/controller.js'
import {newTaintEvictionController} from './tainteviction/controller.js'
import {newTTLAfterFinishedController} from './ttlafterfinished/controller.js'
import {newStatefulSetController} from './statefulset/controller.js'
import type {ControllerFactory} from './types.js'
import type {OptionalComponent} from '../api/contract.js'
import {newPersistentVolumeBinder} from './volume/binder.js'
import {newEphemeralVolumeController} from './volume/ephemeral.js'
import {newPVCProtectionController, newPVProtectionController} from './volume/protection.js'
import {newLocalPathProvisioner} from './volume/provisioner.js'

/** Every built-in controller, keyed by the name used in logs and in `enabled`. */
export const defaultControllers: Record<string, ControllerFactory> = {
  nodelifecycle: newNodeLifecycleController,
  nodeipam: newNodeIpamController,
  replicaset: newReplicaSetController,
  replicationcontroller: newReplicationControllerController,
  deployment: newDeploymentController,
  daemonset: newDaemonSetController,
  disruption: newDisruptionController,
  statefulset: newStatefulSetController,
  garbagecollector: newGarbageCollector,
  podgc: newPodGCController,
  namespace: newNamespaceController,
  serviceaccount: newServiceAccountsController,
  'root-ca-cert-publisher': newRootCACertPublisher,
  'taint-eviction-controller': newTaintEvictionController,
  endpoints: newEndpointsController,
  endpointslice: newEndpointSliceController,
  job: newJobController,
  ttlafterfinished: newTTLAfterFinishedController,
  cronjob: newCronJobController,
  'persistentvolume-binder': newPersistentVolumeBinder,
  'local-path-provisioner': newLocalPathProvisioner,
  'pvc-protection': newPVCProtectionController,
  'pv-protection': newPVProtectionController,
  'ephemeral-volume': newEphemeralVolumeController,
  resourcequota: newResourceQuotaController,
}

/** Loops that belong to an optional component and stop with it (the PV binder stays: it binds the user's own volumes). */
const COMPONENT_CONTROLLERS: Partial<Record<OptionalComponent, string[]>> = {storage: ['local-path-provisioner']}

/** The names of the default loops to run when the given components are turned off. */
export function enabledControllers(disabled: ReadonlySet<OptionalComponent>): string[] {
  const off = new Set([...disabled].flatMap((c) => COMPONENT_CONTROLLERS[c] ?? []))
  return Object.keys(defaultControllers).filter((name) => !off.has(name))
}
