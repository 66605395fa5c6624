// Protobuf field tables of PodStatus and the container statuses it lists (core/v1 generated.proto field numbers).
import {B, I32, I64, S, type MessageSchema} from './protobuf.js'

/** PodStatus messages; the typed client sends them back on status writes, and debug copies carry them. */
export const podStatusMessages: Record<string, MessageSchema> = {
  PodStatus: {
    1: ['phase', S], 2: ['conditions', 'PodCondition', 'r'], 3: ['message', S], 4: ['reason', S], 5: ['hostIP', S], 6: ['podIP', S],
    7: ['startTime', 'Time'], 8: ['containerStatuses', 'ContainerStatus', 'r'], 9: ['qosClass', S], 10: ['initContainerStatuses', 'ContainerStatus', 'r'],
    11: ['nominatedNodeName', S], 12: ['podIPs', 'PodIP', 'r'], 13: ['ephemeralContainerStatuses', 'ContainerStatus', 'r'], 14: ['resize', S],
    15: ['resourceClaimStatuses', 'PodResourceClaimStatus', 'r'], 16: ['hostIPs', 'HostIP', 'r'], 17: ['observedGeneration', I64],
    18: ['extendedResourceClaimStatus', 'PodExtendedResourceClaimStatus'], 19: ['allocatedResources', 'map<string,Quantity>'], 20: ['resources', 'ResourceRequirements'],
  },
  PodCondition: {
    1: ['type', S, 'k'], 2: ['status', S, 'k'], 3: ['lastProbeTime', 'Time'], 4: ['lastTransitionTime', 'Time'], 5: ['reason', S], 6: ['message', S],
    7: ['observedGeneration', I64],
  },
  PodIP: {1: ['ip', S, 'k']},
  HostIP: {1: ['ip', S, 'k']},
  PodResourceClaimStatus: {1: ['name', S, 'k'], 2: ['resourceClaimName', S, 'k']},
  PodExtendedResourceClaimStatus: {1: ['requestMappings', 'ContainerExtendedResourceRequest', 'r'], 2: ['resourceClaimName', S, 'k']},
  ContainerExtendedResourceRequest: {1: ['containerName', S, 'k'], 2: ['resourceName', S, 'k'], 3: ['requestName', S, 'k']},
  // ready, restartCount, image and imageID print even when zero or empty; started is a Go pointer.
  ContainerStatus: {
    1: ['name', S, 'k'], 2: ['state', 'ContainerState'], 3: ['lastState', 'ContainerState'], 4: ['ready', B, 'k'], 5: ['restartCount', I32, 'k'],
    6: ['image', S, 'k'], 7: ['imageID', S, 'k'], 8: ['containerID', S], 9: ['started', B, 'k'], 10: ['allocatedResources', 'map<string,Quantity>'],
    11: ['resources', 'ResourceRequirements'], 12: ['volumeMounts', 'VolumeMountStatus', 'r'], 13: ['user', 'ContainerUser'],
    14: ['allocatedResourcesStatus', 'ResourceStatus', 'r'], 15: ['stopSignal', S, 'k'],
  },
  ContainerState: {1: ['waiting', 'ContainerStateWaiting'], 2: ['running', 'ContainerStateRunning'], 3: ['terminated', 'ContainerStateTerminated']},
  ContainerStateWaiting: {1: ['reason', S], 2: ['message', S]},
  ContainerStateRunning: {1: ['startedAt', 'Time']},
  ContainerStateTerminated: {
    1: ['exitCode', I32, 'k'], 2: ['signal', I32], 3: ['reason', S], 4: ['message', S], 5: ['startedAt', 'Time'], 6: ['finishedAt', 'Time'], 7: ['containerID', S],
  },
  VolumeMountStatus: {1: ['name', S, 'k'], 2: ['mountPath', S, 'k'], 3: ['readOnly', B], 4: ['recursiveReadOnly', S, 'k']},
  ContainerUser: {1: ['linux', 'LinuxContainerUser']},
  LinuxContainerUser: {1: ['uid', I64, 'k'], 2: ['gid', I64, 'k'], 3: ['supplementalGroups', I64, 'r']},
  ResourceStatus: {1: ['name', S, 'k'], 2: ['resources', 'ResourceHealth', 'r']},
  ResourceHealth: {1: ['resourceID', S, 'k'], 2: ['health', S]},
}
