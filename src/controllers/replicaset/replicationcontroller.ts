// ReplicationController controller: the replica loop of ReplicaSets, run over v1 ReplicationControllers.
import type {ControllerContext} from '../types.js'
import {newReplicatedController, type ReplicaSetController} from './controller.js'
import {replicationControllerKind} from './kinds.js'

/** Registry entry: the replica loop over the manager's shared ReplicationController and Pod informers. */
export function newReplicationControllerController(ctx: ControllerContext): ReplicaSetController {
  return newReplicatedController(ctx, replicationControllerKind)
}
