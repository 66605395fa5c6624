// The control loops the manager runs by default, by name (add new loops here).
import {newDeploymentController} from './deployment/controller.js'
import {newEndpointsController} from './endpoints/controller.js'
import {newEndpointSliceController} from './endpointslice/controller.js'
import {newGarbageCollector} from './garbagecollector/controller.js'
import {newNamespaceController} from './namespace/controller.js'
import {newNodeIpamController} from './nodeipam/controller.js'
import {newNodeLifecycleController} from './nodelifecycle/controller.js'
import {newReplicaSetController} from './replicaset/controller.js'
import {newStatefulSetController} from './statefulset/controller.js'
import type {ControllerFactory} from './types.js'
import {newPersistentVolumeBinder} from './volume/binder.js'
import {newEphemeralVolumeController} from './volume/ephemeral.js'
import {newPVCProtectionController, newPVProtectionController} from './volume/protection.js'
import {newLocalPathProvisioner} from './volume/provisioner.js'

/** Every built-in controller, keyed by the name used in logs and in `enabled`. */
export const defaultControllers: Record<string, ControllerFactory> = {
  nodelifecycle: newNodeLifecycleController,
  nodeipam: newNodeIpamController,
  replicaset: newReplicaSetController,
  deployment: newDeploymentController,
  statefulset: newStatefulSetController,
  garbagecollector: newGarbageCollector,
  namespace: newNamespaceController,
  endpoints: newEndpointsController,
  endpointslice: newEndpointSliceController,
  'persistentvolume-binder': newPersistentVolumeBinder,
  'local-path-provisioner': newLocalPathProvisioner,
  'pvc-protection': newPVCProtectionController,
  'pv-protection': newPVProtectionController,
  'ephemeral-volume': newEphemeralVolumeController,
}
