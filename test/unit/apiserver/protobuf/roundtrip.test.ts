// Pod, workload and status objects survive JSON -> protobuf -> JSON with every field the tables cover; hand-built bytes pin the new field numbers.
import {strict as assert} from 'node:assert'

import {builtinResources} from '../../../../src/api/resources/index.js'
import {decodeMessage, decodeProtobufObject} from '../../../../src/apiserver/protobuf/index.js'
import {encodeJson, encodeObject, entry, ld, vi} from './wire.js'

const selector = {matchLabels: {app: 'web'}, matchExpressions: [{key: 'tier', operator: 'In', values: ['front', 'edge']}]}

const affinity = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [
      {matchExpressions: [{key: 'kubernetes.io/os', operator: 'In', values: ['linux']}], matchFields: [{key: 'metadata.name', operator: 'NotIn', values: ['n0']}]},
    ]},
    preferredDuringSchedulingIgnoredDuringExecution: [{weight: 20, preference: {matchExpressions: [{key: 'disk', operator: 'Exists'}]}}],
  },
  podAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [{
      labelSelector: selector, namespaces: ['default', 'web'], topologyKey: 'topology.kubernetes.io/zone',
      namespaceSelector: {matchLabels: {team: 'a'}}, matchLabelKeys: ['pod-template-hash'], mismatchLabelKeys: ['tenant'],
    }],
  },
  podAntiAffinity: {
    preferredDuringSchedulingIgnoredDuringExecution: [{weight: 100, podAffinityTerm: {labelSelector: {matchLabels: {app: 'web'}}, topologyKey: 'kubernetes.io/hostname'}}],
  },
}

const topologySpreadConstraints = [{
  maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: {matchLabels: {app: 'web'}},
  minDomains: 2, nodeAffinityPolicy: 'Honor', nodeTaintsPolicy: 'Ignore', matchLabelKeys: ['pod-template-hash'],
}]

const podSecurityContext = {
  seLinuxOptions: {user: 'u', role: 'r', type: 't', level: 's0:c1'}, runAsUser: 0, runAsNonRoot: false, supplementalGroups: [4000, 2 ** 33],
  fsGroup: 2000, runAsGroup: 3000, sysctls: [{name: 'net.ipv4.ip_local_port_range', value: '1024 65535'}],
  windowsOptions: {gmsaCredentialSpecName: 'g', gmsaCredentialSpec: 'spec', runAsUserName: 'ContainerUser', hostProcess: false},
  fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: {type: 'Localhost', localhostProfile: 'profiles/audit.json'},
  appArmorProfile: {type: 'RuntimeDefault'}, supplementalGroupsPolicy: 'Strict', seLinuxChangePolicy: 'MountOption',
}

const securityContext = {
  capabilities: {add: ['NET_ADMIN'], drop: ['ALL']}, privileged: false, seLinuxOptions: {level: 's0'}, runAsUser: 1000, runAsNonRoot: true,
  readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsGroup: 0, procMount: 'Default', seccompProfile: {type: 'RuntimeDefault'},
  appArmorProfile: {type: 'Localhost', localhostProfile: 'k8s-apparmor'}, ulimits: [{name: 'nofile', hard: 65536, soft: 1024}],
}

const container = {
  name: 'app', image: 'nginx:1.27', ports: [{containerPort: 80, protocol: 'TCP'}],
  env: [{name: 'CONF', valueFrom: {fileKeyRef: {volumeName: 'cfg', path: 'app.env', key: 'CONF', optional: false}}}],
  resources: {limits: {cpu: '1', memory: '256Mi'}, requests: {cpu: '100m'}, claims: [{name: 'gpu', request: 'one'}]},
  resizePolicy: [{resourceName: 'cpu', restartPolicy: 'NotRequired'}, {resourceName: 'memory', restartPolicy: 'RestartContainer'}],
  volumeMounts: [{name: 'data', mountPath: '/data', readOnly: true, recursiveReadOnly: 'IfPossible'}],
  volumeDevices: [{name: 'raw', devicePath: '/dev/xvda'}],
  livenessProbe: {grpc: {port: 9090, service: ''}, periodSeconds: 5},
  readinessProbe: {httpGet: {path: '/healthz', port: 'http', scheme: 'HTTP', httpHeaders: [{name: 'X-Probe', value: ''}]}, failureThreshold: 2},
  startupProbe: {tcpSocket: {port: 80}, initialDelaySeconds: 1},
  lifecycle: {
    postStart: {exec: {command: ['sh', '-c', 'echo hi']}},
    preStop: {sleep: {seconds: 0}},
    stopSignal: 'SIGTERM',
  },
  securityContext,
  terminationMessagePolicy: 'FallbackToLogsOnError',
}

const podSpec = {
  volumes: [
    {name: 'data', emptyDir: {}},
    {name: 'share', nfs: {server: '10.0.0.5', path: '/exports', readOnly: true}},
    {name: 'inline', csi: {driver: 'inline.storage.example.com', readOnly: false, fsType: 'ext4', volumeAttributes: {size: '1Gi'}, nodePublishSecretRef: {name: 'csi-secret'}}},
    {name: 'scratch', ephemeral: {volumeClaimTemplate: {metadata: {labels: {type: 'scratch'}}, spec: {accessModes: ['ReadWriteOnce'], resources: {requests: {storage: '1Gi'}}, storageClassName: 'standard'}}}},
    {name: 'tools', image: {reference: 'busybox:1.36', pullPolicy: 'IfNotPresent'}},
    {name: 'repo', gitRepo: {repository: 'https://example.com/r.git', revision: 'main', directory: '.'}},
    {name: 'bundle', projected: {sources: [{clusterTrustBundle: {signerName: 'example.com/signer', labelSelector: {matchLabels: {a: 'b'}}, path: 'ca.pem', optional: true}}]}},
  ],
  initContainers: [{name: 'sidecar', image: 'envoy', restartPolicy: 'Always', restartPolicyRules: [{action: 'Restart', exitCodes: {operator: 'In', values: [42, 43]}}]}],
  containers: [container],
  ephemeralContainers: [{name: 'debugger', image: 'busybox', stdin: true, tty: true, securityContext: {privileged: true}, targetContainerName: 'app'}],
  restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'None', serviceAccountName: 'web',
  securityContext: podSecurityContext,
  hostname: 'web-0', subdomain: 'web', affinity,
  dnsConfig: {nameservers: ['1.1.1.1'], searches: ['svc.cluster.local'], options: [{name: 'ndots', value: '2'}, {name: 'edns0'}]},
  readinessGates: [{conditionType: 'example.com/ready'}],
  overhead: {cpu: '250m'}, topologySpreadConstraints,
  os: {name: 'linux'}, schedulingGates: [{name: 'example.com/quota'}],
  resourceClaims: [{name: 'gpu', resourceClaimTemplateName: 'gpu-template'}, {name: 'shared', resourceClaimName: 'shared-claim'}],
  resources: {limits: {memory: '1Gi'}}, hostnameOverride: 'custom-host',
}

const running = {running: {startedAt: '2026-01-02T03:04:05Z'}}
const podStatus = {
  phase: 'Running', observedGeneration: 3,
  conditions: [
    {type: 'Ready', status: 'True', lastTransitionTime: '2026-01-02T03:04:06Z', observedGeneration: 3},
    {type: 'PodScheduled', status: 'False', lastProbeTime: '2026-01-02T03:00:00Z', reason: 'Unschedulable', message: '0/3 nodes are available'},
  ],
  message: 'm', reason: 'r', nominatedNodeName: 'node-2',
  hostIP: '172.18.0.2', hostIPs: [{ip: '172.18.0.2'}], podIP: '10.244.1.5', podIPs: [{ip: '10.244.1.5'}, {ip: 'fd00::5'}],
  startTime: '2026-01-02T03:04:00Z',
  initContainerStatuses: [{
    name: 'sidecar', state: running, ready: true, restartCount: 0, image: 'docker.io/library/envoy:latest', imageID: 'sha256:aa', containerID: 'containerd://11', started: true,
  }],
  containerStatuses: [{
    name: 'app', state: running, lastState: {terminated: {exitCode: 0, signal: 9, reason: 'Completed', message: 'bye', startedAt: '2026-01-02T02:00:00Z', finishedAt: '2026-01-02T02:10:00Z', containerID: 'containerd://22'}},
    ready: false, restartCount: 2, image: 'nginx:1.27', imageID: '', containerID: 'containerd://33', started: false,
    allocatedResources: {cpu: '100m'}, resources: {requests: {cpu: '100m'}, limits: {cpu: '1'}},
    volumeMounts: [{name: 'data', mountPath: '/data', readOnly: true, recursiveReadOnly: 'Disabled'}],
    user: {linux: {uid: 0, gid: 0, supplementalGroups: [4000]}},
    allocatedResourcesStatus: [{name: 'claim:gpu/one', resources: [{resourceID: 'gpu-0', health: 'Healthy'}]}],
    stopSignal: 'SIGTERM',
  }],
  ephemeralContainerStatuses: [{name: 'debugger', state: {waiting: {reason: 'ContainerCreating', message: 'pulling'}}, ready: false, restartCount: 0, image: 'busybox', imageID: ''}],
  qosClass: 'Burstable', resize: 'InProgress',
  resourceClaimStatuses: [{name: 'gpu', resourceClaimName: 'web-0-gpu-x7k2p'}],
  extendedResourceClaimStatus: {requestMappings: [{containerName: 'app', resourceName: 'example.com/gpu', requestName: 'container-0-request-0'}], resourceClaimName: 'web-0-extended'},
  allocatedResources: {cpu: '1100m'}, resources: {requests: {cpu: '1100m'}},
}

const metadata = {name: 'web-0', namespace: 'default', labels: {app: 'web'}}

/** Encodes with the served tables and decodes again. */
const roundTrip = (json: Record<string, unknown>, name: string) => decodeMessage(encodeJson(json, name), name)

describe('protobuf round trip of pods and workloads', () => {
  it('keeps every PodSpec field the tables cover, zero-valued pointers included', () => {
    assert.deepEqual(roundTrip(podSpec, 'PodSpec'), podSpec)
  })

  it('keeps a Pod status with container states, IPs, conditions and resources', () => {
    assert.deepEqual(roundTrip(podStatus, 'PodStatus'), podStatus)
  })

  it('decodes a whole Pod request body (envelope, spec and status)', () => {
    const pod = {kind: 'Pod', apiVersion: 'v1', metadata, spec: podSpec, status: podStatus}
    assert.deepEqual(decodeProtobufObject(encodeObject(pod)), pod)
  })

  it('keeps a Deployment whose template has affinity, topology spread and security contexts', () => {
    const deployment = {
      kind: 'Deployment', apiVersion: 'apps/v1', metadata: {name: 'web', namespace: 'default'},
      spec: {
        replicas: 0, selector, podReplacementPolicy: 'TerminationComplete',
        template: {metadata: {labels: {app: 'web', tier: 'front'}}, spec: {containers: [{name: 'app', image: 'nginx', securityContext}], affinity, topologySpreadConstraints, securityContext: podSecurityContext}},
        strategy: {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: 0, maxSurge: '25%'}},
      },
      status: {observedGeneration: 2, replicas: 3, terminatingReplicas: 0, conditions: [{type: 'Available', status: 'True', lastUpdateTime: '2026-01-02T03:04:05Z'}]},
    }
    assert.deepEqual(decodeProtobufObject(encodeObject(deployment)), deployment)
  })

  it('keeps a StatefulSet with claim templates, retention policy, ordinals and status', () => {
    const sts = {
      kind: 'StatefulSet', apiVersion: 'apps/v1', metadata: {name: 'db', namespace: 'default'},
      spec: {
        replicas: 3, selector: {matchLabels: {app: 'db'}}, serviceName: 'db', podManagementPolicy: 'Parallel',
        template: {metadata: {labels: {app: 'db'}}, spec: {containers: [{name: 'db', image: 'postgres', lifecycle: {preStop: {exec: {command: ['pg_ctl', 'stop']}}}}]}},
        volumeClaimTemplates: [{metadata: {name: 'data'}, spec: {accessModes: ['ReadWriteOnce'], resources: {requests: {storage: '5Gi'}}}}],
        updateStrategy: {type: 'RollingUpdate', rollingUpdate: {partition: 0, maxUnavailable: 1}}, revisionHistoryLimit: 0, minReadySeconds: 5,
        persistentVolumeClaimRetentionPolicy: {whenDeleted: 'Delete', whenScaled: 'Retain'}, ordinals: {start: 0},
      },
      status: {
        observedGeneration: 1, replicas: 3, readyReplicas: 2, currentReplicas: 3, updatedReplicas: 1, currentRevision: 'db-1', updateRevision: 'db-2',
        collisionCount: 0, availableReplicas: 0, conditions: [{type: 'Progressing', status: 'True', reason: 'r', message: 'm', lastTransitionTime: '2026-01-02T03:04:05Z'}],
      },
    }
    assert.deepEqual(decodeProtobufObject(encodeObject(sts)), sts)
  })

  it('keeps a ReplicaSet spec and status', () => {
    const rs = {
      kind: 'ReplicaSet', apiVersion: 'apps/v1', metadata: {name: 'web-abc'},
      spec: {replicas: 0, minReadySeconds: 2, selector: {matchLabels: {app: 'web'}}, template: {metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'app', image: 'nginx'}]}}},
      status: {replicas: 0, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1, terminatingReplicas: 0, observedGeneration: 4, conditions: [{type: 'ReplicaFailure', status: 'True'}]},
    }
    assert.deepEqual(decodeProtobufObject(encodeObject(rs)), rs)
  })

  it('keeps a PersistentVolumeClaim status with resize and volume-attributes fields', () => {
    const pvc = {
      kind: 'PersistentVolumeClaim', apiVersion: 'v1', metadata: {name: 'data'},
      spec: {accessModes: ['ReadWriteOnce'], resources: {requests: {storage: '2Gi'}}, storageClassName: ''},
      status: {
        phase: 'Bound', capacity: {storage: '1Gi'}, allocatedResources: {storage: '2Gi'}, allocatedResourceStatuses: {storage: 'ControllerResizeInProgress'},
        currentVolumeAttributesClassName: 'gold', modifyVolumeStatus: {targetVolumeAttributesClassName: 'silver', status: 'InProgress'},
      },
    }
    assert.deepEqual(decodeProtobufObject(encodeObject(pvc)), pvc)
  })

  it('keeps a Job with failure and success policies and a DaemonSet with a hardened template', () => {
    const template = {metadata: {labels: {app: 'j'}}, spec: {restartPolicy: 'Never', containers: [{name: 'c', image: 'busybox', securityContext}], affinity, tolerations: [{operator: 'Exists'}]}}
    const job = {
      kind: 'Job', apiVersion: 'batch/v1', metadata: {name: 'j'},
      spec: {
        completions: 3, parallelism: 1, completionMode: 'Indexed', backoffLimitPerIndex: 1, maxFailedIndexes: 0, podReplacementPolicy: 'Failed', managedBy: 'kubernetes.io/job-controller', template,
        podFailurePolicy: {rules: [{action: 'FailJob', onExitCodes: {containerName: 'c', operator: 'In', values: [42]}}, {action: 'Ignore', onPodConditions: [{type: 'DisruptionTarget', status: 'True'}]}]},
        successPolicy: {rules: [{succeededIndexes: '0-1', succeededCount: 1}]},
      },
    }
    assert.deepEqual(decodeProtobufObject(encodeObject(job)), job)
    const ds = {
      kind: 'DaemonSet', apiVersion: 'apps/v1', metadata: {name: 'agent'},
      spec: {selector: {matchLabels: {app: 'j'}}, template: {...template, spec: {...template.spec, restartPolicy: 'Always', securityContext: podSecurityContext, topologySpreadConstraints}}, updateStrategy: {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: 1, maxSurge: 0}}},
    }
    assert.deepEqual(decodeProtobufObject(encodeObject(ds)), ds)
  })

  it('gives a message name shared by several kinds the same table everywhere', () => {
    const seen = new Map<string, {kind: string; table: string}>()
    for (const d of builtinResources) {
      for (const [name, schema] of Object.entries(d.protobuf ?? {})) {
        const table = JSON.stringify(schema)
        const first = seen.get(name)
        if (first) assert.equal(table, first.table, `${name} differs between ${first.kind} and ${d.kind}`)
        else seen.set(name, {kind: d.kind, table})
      }
    }
  })
})

// Bytes written by hand from core/v1 generated.proto's field numbers, independent of the tables under test.
describe('protobuf field numbers of the newly covered pod fields', () => {
  it('reads PodSpec.affinity (18) down to a node selector requirement', () => {
    const requirement = ld(1, ld(1, 'kubernetes.io/os'), ld(2, 'In'), ld(3, 'linux'))
    const nodeAffinity = ld(1, ld(1, ld(1, requirement)), ld(2, vi(1, 5), ld(2, ld(1, ld(1, 'disk'), ld(2, 'Exists')))))
    const antiAffinity = ld(3, ld(1, ld(1, entry(1, 'app', 'web')), ld(3, 'kubernetes.io/hostname')))
    assert.deepEqual(decodeMessage(ld(18, nodeAffinity, antiAffinity), 'PodSpec'), {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: 'kubernetes.io/os', operator: 'In', values: ['linux']}]}]},
          preferredDuringSchedulingIgnoredDuringExecution: [{weight: 5, preference: {matchExpressions: [{key: 'disk', operator: 'Exists'}]}}],
        },
        podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {matchLabels: {app: 'web'}}, topologyKey: 'kubernetes.io/hostname'}]},
      },
    })
  })

  it('reads topologySpreadConstraints (33), dnsConfig (26), os (36) and schedulingGates (38)', () => {
    const tsc = ld(33, vi(1, 1), ld(2, 'zone'), ld(3, 'ScheduleAnyway'), ld(4, entry(1, 'app', 'web')), vi(5, 3))
    const dns = ld(26, ld(1, '8.8.8.8'), ld(3, ld(1, 'ndots'), ld(2, '1')))
    const raw = Buffer.concat([tsc, dns, ld(36, ld(1, 'linux')), ld(38, ld(1, 'gate'))])
    assert.deepEqual(decodeMessage(raw, 'PodSpec'), {
      topologySpreadConstraints: [{maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: {matchLabels: {app: 'web'}}, minDomains: 3}],
      dnsConfig: {nameservers: ['8.8.8.8'], options: [{name: 'ndots', value: '1'}]},
      os: {name: 'linux'}, schedulingGates: [{name: 'gate'}],
    })
  })

  it('reads Container.securityContext (15) with explicit false and zero, and lifecycle (12)', () => {
    const sc = ld(15, ld(1, ld(2, 'ALL')), vi(2, 0), vi(4, 0), vi(7, 0), ld(11, ld(1, 'RuntimeDefault')))
    const lifecycle = ld(12, ld(2, ld(4, vi(1, 5))))
    assert.deepEqual(decodeMessage(Buffer.concat([ld(1, 'app'), lifecycle, sc]), 'Container'), {
      name: 'app', lifecycle: {preStop: {sleep: {seconds: 5}}},
      securityContext: {capabilities: {drop: ['ALL']}, privileged: false, runAsUser: 0, allowPrivilegeEscalation: false, seccompProfile: {type: 'RuntimeDefault'}},
    })
  })

  it('reads PodStatus containerStatuses (8), podIPs (12) and qosClass (9)', () => {
    const status = ld(8, ld(1, 'app'), ld(2, ld(2, ld(1, vi(1, 1700000000)))), vi(4, 1), vi(5, 0), ld(6, 'nginx'), ld(7, 'sha256:x'), vi(9, 1))
    const raw = Buffer.concat([ld(1, 'Running'), status, ld(9, 'BestEffort'), ld(12, ld(1, '10.0.0.1'))])
    assert.deepEqual(decodeMessage(raw, 'PodStatus'), {
      phase: 'Running', qosClass: 'BestEffort', podIPs: [{ip: '10.0.0.1'}],
      containerStatuses: [{name: 'app', state: {running: {startedAt: '2023-11-14T22:13:20Z'}}, ready: true, restartCount: 0, image: 'nginx', imageID: 'sha256:x', started: true}],
    })
  })
})
