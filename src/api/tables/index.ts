// Server-side Table rendering: the column definitions and row cells the real kube-apiserver returns for `kubectl get`.
import type {KubeObject} from '../types.js'
import {containerCells, formatLabelSelector, formatLabels, humanDuration, selectorString, since} from './format.js'
import {podCells} from './pods.js'

export {humanDuration, since, formatLabels, formatLabelSelector, selectorString} from './format.js'
export {podStatusReason} from './pods.js'

/** One column of a meta.k8s.io/v1 Table. */
export interface TableColumnDefinition {
  name: string
  type: string
  format: string
  description: string
  priority: number
}

/** additionalPrinterColumns of a CustomResourceDefinition version. */
export interface PrinterColumn {
  name: string
  type: string
  jsonPath: string
  format?: string
  description?: string
  priority?: number
}

/** Group and plural resource name, e.g. {group: 'apps', resource: 'deployments'}. */
export interface ResourceRef {
  group: string
  resource: string
}

type Any = Record<string, any>

const NAME_DOC =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names'
const AGE_DOC =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata'

function col(name: string, type = 'string', priority = 0, description = ''): TableColumnDefinition {
  return {name, type, format: '', description, priority}
}
const NAME: TableColumnDefinition = {name: 'Name', type: 'string', format: 'name', description: NAME_DOC, priority: 0}
const AGE = col('Age', 'string', 0, AGE_DOC)
const CONTAINERS = col('Containers', 'string', 1, 'Names of each container in the template.')
const IMAGES = col('Images', 'string', 1, 'Images referenced by each container in the template.')
const SELECTOR = col('Selector', 'string', 1, 'A label query over pods that should match the replica count.')

interface Printer {
  columns: TableColumnDefinition[]
  row: (obj: Any, now: Date) => unknown[]
}

const name = (o: Any): string => o.metadata?.name ?? ''
const age = (o: Any, now: Date): string => since(o.metadata?.creationTimestamp, now)
const int = (v: unknown): number => (typeof v === 'number' ? v : 0)
const countKeys = (v: unknown): number => (v && typeof v === 'object' ? Object.keys(v).length : 0)

function conditionTrue(conditions: Any[] | undefined, type: string): boolean {
  const c = (conditions ?? []).find((x) => x.type === type)
  return c?.status === 'True'
}

function nodeRoles(node: Any): string {
  const roles = new Set<string>()
  for (const [k, v] of Object.entries((node.metadata?.labels ?? {}) as Record<string, string>)) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length)
      if (role) roles.add(role)
    } else if (k === 'kubernetes.io/role' && v !== '') {
      roles.add(v)
    }
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',')
}

function nodeAddress(node: Any, type: string): string {
  const a = (node.status?.addresses ?? []).find((x: Any) => x.type === type)
  return a?.address ?? '<none>'
}

function loadBalancerIngress(status: Any | undefined, wide: boolean): string {
  const set = new Set<string>()
  for (const i of status?.ingress ?? []) {
    if (i.ip) set.add(i.ip)
    else if (i.hostname) set.add(i.hostname)
  }
  let r = [...set].sort().join(',')
  if (!wide && r.length > 16) r = r.slice(0, 13) + '...'
  return r
}

function serviceExternalIP(svc: Any): string {
  const spec = svc.spec ?? {}
  const externalIPs: string[] = spec.externalIPs ?? []
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>'
    case 'LoadBalancer': {
      // The server renders with wide=true, so the LB address list is never clipped.
      const lb = loadBalancerIngress(svc.status?.loadBalancer, true)
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',')
      return lb || '<pending>'
    }
    case 'ExternalName':
      return spec.externalName ?? ''
  }
  return '<unknown>'
}

function servicePorts(ports: Any[] | undefined): string {
  const s = (ports ?? [])
    .map((p) => (p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`))
    .join(',')
  return s === '' ? '<none>' : s
}

function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const ret = list.join(',')
  if (more) return `${ret} + ${count - max} more...`
  return ret === '' ? '<unset>' : ret
}

function formatEndpoints(ep: Any): string {
  const subsets: Any[] = ep.subsets ?? []
  if (subsets.length === 0) return '<none>'
  const list: string[] = []
  const max = 3
  let more = false
  let count = 0
  const hostPort = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`)
  for (const ss of subsets) {
    const addresses: Any[] = ss.addresses ?? []
    const ports: Any[] = ss.ports ?? []
    if (ports.length === 0) {
      count += addresses.length
      for (const a of addresses) {
        if (list.length === max) {
          more = true
          break
        }
        list.push(a.ip)
      }
      continue
    }
    for (const port of ports) {
      count += addresses.length
      for (const a of addresses) {
        if (list.length === max) {
          more = true
          break
        }
        list.push(hostPort(a.ip, port.port))
      }
    }
  }
  const ret = list.join(',')
  return more ? `${ret} + ${count - max} more...` : ret
}

function formatSlicePorts(ports: Any[] | undefined): string {
  const list: string[] = []
  let more = false
  let count = 0
  for (const p of ports ?? []) {
    if (list.length < 3) list.push(p.port != null ? String(p.port) : p.name != null ? p.name : '*')
    else if (list.length === 3) more = true
    count++
  }
  return listWithMore(list, more, count, 3)
}

function formatSliceEndpoints(endpoints: Any[] | undefined): string {
  const list: string[] = []
  let more = false
  let count = 0
  for (const e of endpoints ?? []) {
    for (const a of e.addresses ?? []) {
      if (list.length < 3) list.push(a)
      else if (list.length === 3) more = true
      count++
    }
  }
  return listWithMore(list, more, count, 3)
}

function jobStatus(job: Any): string {
  const conditions: Any[] = job.status?.conditions ?? []
  if (conditionTrue(conditions, 'Complete')) return 'Complete'
  if (conditionTrue(conditions, 'Failed')) return 'Failed'
  if (job.metadata?.deletionTimestamp) return 'Terminating'
  if (conditionTrue(conditions, 'Suspended')) return 'Suspended'
  if (conditionTrue(conditions, 'FailureTarget')) return 'FailureTarget'
  return 'Running'
}

function jobCompletions(job: Any): string {
  const succeeded = int(job.status?.succeeded)
  if (job.spec?.completions != null) return `${succeeded}/${job.spec.completions}`
  const parallelism = int(job.spec?.parallelism)
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`
}

function jobDuration(job: Any, now: Date): string {
  const start = job.status?.startTime
  if (!start) return ''
  const end = job.status?.completionTime
  return humanDuration((end ? Date.parse(end) : now.getTime()) - Date.parse(start))
}

function eventCells(ev: Any, now: Date): unknown[] {
  // core/v1 and events.k8s.io/v1 spell the same fields differently; the server prints both via the internal type.
  const firstTs = ev.firstTimestamp ?? ev.deprecatedFirstTimestamp
  const lastTs = ev.lastTimestamp ?? ev.deprecatedLastTimestamp
  const first = firstTs ? since(firstTs, now) : since(ev.eventTime, now)
  let last = lastTs ? since(lastTs, now) : first
  let count: number = ev.count ?? ev.deprecatedCount ?? 0
  if (ev.series) {
    last = since(ev.series.lastObservedTime, now)
    count = ev.series.count ?? 0
  } else if (count === 0) {
    count = 1
  }
  const involved: Any = ev.involvedObject ?? ev.regarding ?? {}
  const kind = String(involved.kind ?? '').toLowerCase()
  const target = involved.name ? `${kind}/${involved.name}` : kind
  const source: Any = ev.source ?? ev.deprecatedSource ?? {}
  const component = source.component || ev.reportingController || ''
  const host = source.host || ev.reportingInstance || ''
  const sourceStr = host ? `${component}, ${host}` : component
  const message = String(ev.message ?? ev.note ?? '').trim()
  return [last, ev.type ?? '', ev.reason ?? '', target, involved.fieldPath ?? '', sourceStr, message, first, count, name(ev)]
}

const printers: Record<string, Printer> = {
  '/pods': {
    columns: [
      NAME,
      col('Ready', 'string', 0, 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'string', 0, 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'string', 0, 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
      AGE,
      col('IP', 'string', 1, 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'),
      col('Node', 'string', 1, 'NodeName indicates in which node this pod is scheduled.'),
      col('Nominated Node', 'string', 1, 'nominatedNodeName is set only when this pod preempts other pods on the node.'),
      col('Readiness Gates', 'string', 1, 'If specified, all readiness gates will be evaluated for pod readiness.'),
    ],
    row: (o, now) => podCells(o as KubeObject, now),
  },
  '/nodes': {
    columns: [
      NAME,
      col('Status', 'string', 0, 'The status of the node'),
      col('Roles', 'string', 0, 'The roles of the node'),
      AGE,
      col('Version', 'string', 0, 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'string', 1, 'List of addresses reachable to the node.'),
      col('External-IP', 'string', 1, 'List of addresses reachable to the node.'),
      col('OS-Image', 'string', 1, 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).'),
      col('Kernel-Version', 'string', 1, "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
      col('Container-Runtime', 'string', 1, 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).'),
    ],
    row: (o, now) => {
      const ready = (o.status?.conditions ?? []).find((c: Any) => c.type === 'Ready')
      const status: string[] = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown']
      if (o.spec?.unschedulable) status.push('SchedulingDisabled')
      const info: Any = o.status?.nodeInfo ?? {}
      return [
        name(o),
        status.join(','),
        nodeRoles(o),
        age(o, now),
        info.kubeletVersion ?? '',
        nodeAddress(o, 'InternalIP'),
        nodeAddress(o, 'ExternalIP'),
        info.osImage || '<unknown>',
        info.kernelVersion || '<unknown>',
        info.containerRuntimeVersion || '<unknown>',
      ]
    },
  },
  '/namespaces': {
    columns: [NAME, col('Status', 'string', 0, 'The status of the namespace'), AGE],
    row: (o, now) => [name(o), o.status?.phase ?? '', age(o, now)],
  },
  '/services': {
    columns: [
      NAME,
      col('Type', 'string', 0, 'type determines how the Service is exposed.'),
      col('Cluster-IP', 'string', 0, 'clusterIP is the IP address of the service and is usually assigned randomly.'),
      col('External-IP', 'string', 0, 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
      col('Port(s)', 'string', 0, 'The list of ports that are exposed by this service.'),
      AGE,
      col('Selector', 'string', 1, 'Route service traffic to pods with label keys and values matching this selector.'),
    ],
    row: (o, now) => {
      const spec: Any = o.spec ?? {}
      const clusterIP: string = spec.clusterIPs?.[0] ?? spec.clusterIP ?? '<none>'
      return [name(o), spec.type ?? '', clusterIP || '<none>', serviceExternalIP(o), servicePorts(spec.ports), age(o, now), formatLabels(spec.selector)]
    },
  },
  '/endpoints': {
    columns: [NAME, col('Endpoints', 'string', 0, 'The set of all endpoints is the union of all subsets.'), AGE],
    row: (o, now) => [name(o), formatEndpoints(o), age(o, now)],
  },
  'discovery.k8s.io/endpointslices': {
    columns: [
      NAME,
      col('AddressType', 'string', 0, 'addressType specifies the type of address carried by this EndpointSlice.'),
      col('Ports', 'string', 0, 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
      col('Endpoints', 'string', 0, 'endpoints is a list of unique endpoints in this slice.'),
      AGE,
    ],
    row: (o, now) => [name(o), o.addressType ?? '', formatSlicePorts(o.ports), formatSliceEndpoints(o.endpoints), age(o, now)],
  },
  '/configmaps': {
    columns: [NAME, col('Data', 'string', 0, 'Data contains the configuration data.'), AGE],
    row: (o, now) => [name(o), countKeys(o.data) + countKeys(o.binaryData), age(o, now)],
  },
  '/secrets': {
    columns: [NAME, col('Type', 'string', 0, 'Used to facilitate programmatic handling of secret data.'), col('Data', 'string', 0, 'Data contains the secret data.'), AGE],
    row: (o, now) => [name(o), o.type ?? '', countKeys(o.data), age(o, now)],
  },
  '/serviceaccounts': {
    columns: [NAME, col('Secrets', 'string', 0, 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), AGE],
    row: (o, now) => [name(o), Array.isArray(o.secrets) ? o.secrets.length : 0, age(o, now)],
  },
  '/events': {
    columns: [
      col('Last Seen', 'string', 0, 'The time at which the most recent occurrence of this event was recorded.'),
      col('Type', 'string', 0, 'Type of this event (Normal, Warning), new types could be added in the future'),
      col('Reason', 'string', 0, "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
      col('Object', 'string', 0, 'The object that this event is about.'),
      col('Subobject', 'string', 1, 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.'),
      col('Source', 'string', 1, 'The component reporting this event. Should be a short machine understandable string.'),
      col('Message', 'string', 0, 'A human-readable description of the status of this operation.'),
      col('First Seen', 'string', 1, 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)'),
      col('Count', 'string', 1, 'The number of times this event has occurred.'),
      {...NAME, priority: 1},
    ],
    row: eventCells,
  },
  'coordination.k8s.io/leases': {
    columns: [NAME, col('Holder', 'string', 0, 'holderIdentity contains the identity of the holder of a current lease.'), AGE],
    row: (o, now) => [name(o), o.spec?.holderIdentity ?? '', age(o, now)],
  },
  'apps/deployments': {
    columns: [
      NAME,
      col('Ready', 'string', 0, 'Number of the pod with ready state'),
      col('Up-to-date', 'string', 0, 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
      col('Available', 'string', 0, 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
      AGE,
      CONTAINERS,
      IMAGES,
      col('Selector', 'string', 1, 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.'),
    ],
    row: (o, now) => {
      const [c, i] = containerCells(o.spec?.template?.spec?.containers)
      const st: Any = o.status ?? {}
      return [name(o), `${int(st.readyReplicas)}/${int(o.spec?.replicas)}`, int(st.updatedReplicas), int(st.availableReplicas), age(o, now), c, i, selectorString(o.spec?.selector)]
    },
  },
  'apps/replicasets': {
    columns: [
      NAME,
      col('Desired', 'integer', 0, 'Replicas is the number of desired replicas.'),
      col('Current', 'integer', 0, 'Replicas is the most recently observed number of replicas.'),
      col('Ready', 'integer', 0, 'The number of ready replicas for this replica set.'),
      AGE,
      CONTAINERS,
      IMAGES,
      SELECTOR,
    ],
    row: (o, now) => {
      const [c, i] = containerCells(o.spec?.template?.spec?.containers)
      const st: Any = o.status ?? {}
      return [name(o), int(o.spec?.replicas), int(st.replicas), int(st.readyReplicas), age(o, now), c, i, formatLabelSelector(o.spec?.selector)]
    },
  },
  '/replicationcontrollers': {
    columns: [
      NAME,
      col('Desired', 'integer', 0, 'Replicas is the number of desired replicas.'),
      col('Current', 'integer', 0, 'Replicas is the most recently observed number of replicas.'),
      col('Ready', 'integer', 0, 'The number of ready replicas for this replication controller.'),
      AGE,
      CONTAINERS,
      IMAGES,
      SELECTOR,
    ],
    row: (o, now) => {
      const [c, i] = containerCells(o.spec?.template?.spec?.containers)
      const st: Any = o.status ?? {}
      return [name(o), int(o.spec?.replicas), int(st.replicas), int(st.readyReplicas), age(o, now), c, i, formatLabels(o.spec?.selector)]
    },
  },
  'apps/statefulsets': {
    columns: [NAME, col('Ready', 'string', 0, 'Number of the pod with ready state'), AGE, CONTAINERS, IMAGES],
    row: (o, now) => {
      const [c, i] = containerCells(o.spec?.template?.spec?.containers)
      return [name(o), `${int(o.status?.readyReplicas)}/${int(o.spec?.replicas)}`, age(o, now), c, i]
    },
  },
  'apps/daemonsets': {
    columns: [
      NAME,
      col('Desired', 'integer', 0, 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
      col('Current', 'integer', 0, 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
      col('Ready', 'integer', 0, 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
      col('Up-to-date', 'integer', 0, 'The total number of nodes that are running updated daemon pod'),
      col('Available', 'integer', 0, 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
      col('Node Selector', 'string', 0, "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
      AGE,
      CONTAINERS,
      IMAGES,
      col('Selector', 'string', 1, 'A label query over pods that are managed by the daemon set.'),
    ],
    row: (o, now) => {
      const [c, i] = containerCells(o.spec?.template?.spec?.containers)
      const st: Any = o.status ?? {}
      return [
        name(o),
        int(st.desiredNumberScheduled),
        int(st.currentNumberScheduled),
        int(st.numberReady),
        int(st.updatedNumberScheduled),
        int(st.numberAvailable),
        formatLabels(o.spec?.template?.spec?.nodeSelector),
        age(o, now),
        c,
        i,
        formatLabelSelector(o.spec?.selector),
      ]
    },
  },
  'batch/jobs': {
    columns: [
      NAME,
      col('Status', 'string', 0, 'Status of the job.'),
      col('Completions', 'string', 0, 'The number of pods which reached phase Succeeded.'),
      col('Duration', 'string', 0, 'Time required to complete the job.'),
      AGE,
      CONTAINERS,
      IMAGES,
      col('Selector', 'string', 1, 'A label query over pods that should match the pod count.'),
    ],
    row: (o, now) => {
      const [c, i] = containerCells(o.spec?.template?.spec?.containers)
      return [name(o), jobStatus(o), jobCompletions(o), jobDuration(o, now), age(o, now), c, i, formatLabelSelector(o.spec?.selector)]
    },
  },
  'batch/cronjobs': {
    columns: [
      NAME,
      col('Schedule', 'string', 0, 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
      col('Timezone', 'string', 0, 'The time zone name for the given schedule.'),
      col('Suspend', 'boolean', 0, 'This flag tells the controller to suspend subsequent executions.'),
      col('Active', 'integer', 0, 'A list of pointers to currently running jobs.'),
      col('Last Schedule', 'string', 0, 'Information when was the last time the job was successfully scheduled.'),
      AGE,
      CONTAINERS,
      IMAGES,
      col('Selector', 'string', 1, 'A label query over pods that should match the pod count.'),
    ],
    row: (o, now) => {
      const js: Any = o.spec?.jobTemplate?.spec ?? {}
      const [c, i] = containerCells(js.template?.spec?.containers)
      const suspend = o.spec?.suspend == null ? '<unset>' : o.spec.suspend ? 'True' : 'False'
      const last = o.status?.lastScheduleTime ? since(o.status.lastScheduleTime, now) : '<none>'
      return [name(o), o.spec?.schedule ?? '', o.spec?.timeZone ?? '<none>', suspend, (o.status?.active ?? []).length, last, age(o, now), c, i, formatLabelSelector(js.selector)]
    },
  },
  'networking.k8s.io/ingresses': {
    columns: [
      NAME,
      col('Class', 'string', 0, 'The name of the IngressClass resource that should be used for additional configuration'),
      col('Hosts', 'string', 0, 'Hosts that incoming requests are matched against before the ingress rule'),
      col('Address', 'string', 0, 'Address is a list containing ingress points for the load-balancer'),
      col('Ports', 'string', 0, 'Ports of TLS configurations that open'),
      AGE,
    ],
    row: (o, now) => {
      const rules: Any[] = o.spec?.rules ?? []
      const hosts: string[] = []
      let more = false
      for (const r of rules) {
        if (hosts.length === 3) more = true
        if (!more && r.host) hosts.push(r.host)
      }
      const hostStr = hosts.length === 0 ? '*' : more ? `${hosts.join(',')} + ${rules.length - 3} more...` : hosts.join(',')
      const ports = (o.spec?.tls ?? []).length > 0 ? '80, 443' : '80'
      return [name(o), o.spec?.ingressClassName ?? '<none>', hostStr, loadBalancerIngress(o.status?.loadBalancer, true), ports, age(o, now)]
    },
  },
  'networking.k8s.io/ingressclasses': {
    columns: [NAME, col('Controller', 'string', 0, 'Controller that is responsible for handling this class'), col('Parameters', 'string', 0, 'A reference to a resource with additional parameters'), AGE],
    row: (o, now) => {
      const p: Any | undefined = o.spec?.parameters
      const params = p ? `${p.kind}${p.apiGroup ? '.' + p.apiGroup : ''}/${p.name}` : '<none>'
      return [name(o), o.spec?.controller ?? '', params, age(o, now)]
    },
  },
  'networking.k8s.io/networkpolicies': {
    columns: [NAME, col('Pod-Selector', 'string', 0, 'Selects the pods to which this NetworkPolicy object applies.'), AGE],
    row: (o, now) => [name(o), formatLabelSelector(o.spec?.podSelector ?? {}), age(o, now)],
  },
  '/persistentvolumeclaims': {
    columns: [
      NAME,
      col('Status', 'string', 0, 'phase represents the current phase of PersistentVolumeClaim.'),
      col('Volume', 'string', 0, 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
      col('Capacity', 'string', 0, 'capacity represents the actual resources of the underlying volume.'),
      col('Access Modes', 'string', 0, 'accessModes contains the actual access modes the volume backing the PVC has.'),
      col('StorageClass', 'string', 0, 'StorageClass of the pvc'),
      col('VolumeAttributesClass', 'string', 0, 'VolumeAttributesClass of the pvc'),
      AGE,
      col('VolumeMode', 'string', 1, 'volumeMode defines what type of volume is required by the claim.'),
    ],
    row: (o, now) => {
      const phase = o.metadata?.deletionTimestamp ? 'Terminating' : o.status?.phase ?? ''
      const bound = !!o.spec?.volumeName
      return [
        name(o),
        phase,
        o.spec?.volumeName ?? '',
        bound ? String(o.status?.capacity?.storage ?? '') : '',
        bound ? accessModes(o.status?.accessModes) : '',
        o.spec?.storageClassName ?? o.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '',
        o.spec?.volumeAttributesClassName ?? '<unset>',
        age(o, now),
        o.spec?.volumeMode ?? '<unset>',
      ]
    },
  },
  '/persistentvolumes': {
    columns: [
      NAME,
      col('Capacity', 'string', 0, 'capacity is the description of the persistent volume\'s resources and capacity.'),
      col('Access Modes', 'string', 0, 'accessModes contains all ways the volume can be mounted.'),
      col('Reclaim Policy', 'string', 0, 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
      col('Status', 'string', 0, 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
      col('Claim', 'string', 0, 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
      col('StorageClass', 'string', 0, 'StorageClass of the pv'),
      col('VolumeAttributesClass', 'string', 0, 'VolumeAttributesClass of the pv'),
      col('Reason', 'string', 0, 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
      AGE,
      col('VolumeMode', 'string', 1, 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.'),
    ],
    row: (o, now) => {
      const ref: Any | undefined = o.spec?.claimRef
      return [
        name(o),
        String(o.spec?.capacity?.storage ?? '0'),
        accessModes(o.spec?.accessModes),
        o.spec?.persistentVolumeReclaimPolicy ?? '',
        o.metadata?.deletionTimestamp ? 'Terminating' : o.status?.phase ?? '',
        ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : '',
        o.spec?.storageClassName ?? '',
        o.spec?.volumeAttributesClassName ?? '<unset>',
        o.status?.reason ?? '',
        age(o, now),
        o.spec?.volumeMode ?? '<unset>',
      ]
    },
  },
  'storage.k8s.io/storageclasses': {
    columns: [
      NAME,
      col('Provisioner', 'string', 0, 'provisioner indicates the type of the provisioner.'),
      col('ReclaimPolicy', 'string', 0, 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.'),
      col('VolumeBindingMode', 'string', 0, 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
      col('AllowVolumeExpansion', 'string', 0, 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
      AGE,
    ],
    row: (o, now) => {
      const ann: Record<string, string> = o.metadata?.annotations ?? {}
      const isDefault = ann['storageclass.kubernetes.io/is-default-class'] === 'true' || ann['storageclass.beta.kubernetes.io/is-default-class'] === 'true'
      return [isDefault ? `${name(o)} (default)` : name(o), o.provisioner ?? '', o.reclaimPolicy ?? 'Delete', o.volumeBindingMode ?? 'Immediate', o.allowVolumeExpansion === true, age(o, now)]
    },
  },
  'rbac.authorization.k8s.io/rolebindings': bindingPrinter(),
  'rbac.authorization.k8s.io/clusterrolebindings': bindingPrinter(),
  'autoscaling/horizontalpodautoscalers': {
    columns: [
      NAME,
      col('Reference', 'string', 0, 'scaleTargetRef points to the target resource to scale.'),
      col('Targets', 'string', 0, 'metrics contains the specifications for which to use to calculate the desired replica count.'),
      col('MinPods', 'string', 0, 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
      col('MaxPods', 'string', 0, 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.'),
      col('Replicas', 'string', 0, 'currentReplicas is current number of replicas of pods managed by this autoscaler.'),
      AGE,
    ],
    row: (o, now) => {
      const ref: Any = o.spec?.scaleTargetRef ?? {}
      return [name(o), `${ref.kind ?? ''}/${ref.name ?? ''}`, hpaTargets(o), o.spec?.minReplicas != null ? String(o.spec.minReplicas) : '<unset>', int(o.spec?.maxReplicas), int(o.status?.currentReplicas), age(o, now)]
    },
  },
  'policy/poddisruptionbudgets': {
    columns: [
      NAME,
      col('Min Available', 'string', 0, 'The minimum number of pods that must be available.'),
      col('Max Unavailable', 'string', 0, 'The maximum number of pods that may be unavailable.'),
      col('Allowed Disruptions', 'integer', 0, 'Calculated number of pods that may be disrupted at this time.'),
      AGE,
    ],
    row: (o, now) => [name(o), o.spec?.minAvailable != null ? String(o.spec.minAvailable) : 'N/A', o.spec?.maxUnavailable != null ? String(o.spec.maxUnavailable) : 'N/A', int(o.status?.disruptionsAllowed), age(o, now)],
  },
  'apps/controllerrevisions': {
    columns: [NAME, col('Controller', 'string', 0, 'Controller of the object'), col('Revision', 'string', 0, 'Revision indicates the revision of the state represented by Data.'), AGE],
    row: (o, now) => {
      const ref = (o.metadata?.ownerReferences ?? []).find((r: Any) => r.controller)
      let controller = '<none>'
      if (ref) {
        const group = String(ref.apiVersion ?? '').includes('/') ? String(ref.apiVersion).split('/')[0] : ''
        controller = `${String(group ? `${ref.kind}.${group}` : ref.kind).toLowerCase()}/${ref.name}`
      }
      return [name(o), controller, int(o.revision), age(o, now)]
    },
  },
  'scheduling.k8s.io/priorityclasses': {
    columns: [
      NAME,
      col('Value', 'integer', 0, 'value represents the integer value of this priority class.'),
      col('Global-Default', 'boolean', 0, 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.'),
      AGE,
      col('PreemptionPolicy', 'string', 0, 'preemptionPolicy is the Policy for preempting pods with lower priority.'),
    ],
    row: (o, now) => [name(o), int(o.value), o.globalDefault === true, age(o, now), o.preemptionPolicy ?? ''],
  },
  '/podtemplates': {
    columns: [NAME, col('Containers', 'string', 0, 'Names of each container in the template.'), col('Images', 'string', 0, 'Images referenced by each container in the template.'), col('Pod Labels', 'string', 0, 'The labels for the pod template.')],
    row: (o) => {
      const [c, i] = containerCells(o.template?.spec?.containers)
      return [name(o), c, i, formatLabels(o.template?.metadata?.labels)]
    },
  },
  '/resourcequotas': {
    columns: [
      NAME,
      col('Request', 'string', 0, 'Request represents a minimum amount of cpu/memory that a container may consume.'),
      col('Limit', 'string', 0, 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
      AGE,
    ],
    row: (o, now) => {
      const hard: Record<string, string> = o.status?.hard ?? {}
      const used: Record<string, string> = o.status?.used ?? {}
      const req: string[] = []
      const lim: string[] = []
      for (const r of Object.keys(hard).sort()) {
        const text = `${r}: ${used[r] ?? '0'}/${hard[r]}`
        if (r.split('.').length > 1 && r.split('.')[0] === 'limits') lim.push(text)
        else req.push(text)
      }
      return [name(o), req.join(', '), lim.join(', '), age(o, now)]
    },
  },
}

function accessModes(modes: string[] | undefined): string {
  const short: Record<string, string> = {ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP'}
  const out: string[] = []
  for (const m of ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod']) if ((modes ?? []).includes(m)) out.push(short[m])
  return out.join(',')
}

function bindingPrinter(): Printer {
  return {
    columns: [
      NAME,
      col('Role', 'string', 0, 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.'),
      AGE,
      col('Users', 'string', 1, 'Users in the roleBinding'),
      col('Groups', 'string', 1, 'Groups in the roleBinding'),
      col('ServiceAccounts', 'string', 1, 'ServiceAccounts in the roleBinding'),
    ],
    row: (o, now) => {
      const users: string[] = []
      const groups: string[] = []
      const sas: string[] = []
      for (const s of o.subjects ?? []) {
        if (s.kind === 'User') users.push(s.name)
        else if (s.kind === 'Group') groups.push(s.name)
        else if (s.kind === 'ServiceAccount') sas.push(`${s.namespace ?? ''}/${s.name}`)
      }
      return [name(o), `${o.roleRef?.kind ?? ''}/${o.roleRef?.name ?? ''}`, age(o, now), users.join(', '), groups.join(', '), sas.join(', ')]
    },
  }
}

function hpaTargets(o: Any): string {
  const specs: Any[] = o.spec?.metrics ?? []
  const statuses: Any[] = o.status?.currentMetrics ?? []
  if (specs.length === 0) return '<none>'
  const list: string[] = []
  specs.forEach((s, i) => {
    if (s.type === 'Resource' && s.resource) {
      const t: Any = s.resource.target ?? {}
      if (t.averageValue != null) {
        list.push(`${s.resource.name}: ${statuses[i]?.resource?.current?.averageValue ?? '<unknown>'}/${t.averageValue}`)
      } else {
        const cur = statuses[i]?.resource?.current?.averageUtilization
        list.push(`${s.resource.name}: ${cur != null ? `${cur}%` : '<unknown>'}/${t.averageUtilization != null ? `${t.averageUtilization}%` : '<auto>'}`)
      }
    } else {
      list.push('<unknown type>')
    }
  })
  if (list.length > 2) return `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...`
  return list.join(', ')
}

/** Groups whose resources are served by the built-in apiserver; anything else is a custom resource. */
const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'autoscaling', 'policy'])
function isBuiltinGroup(group: string): boolean {
  return BUILTIN_GROUPS.has(group) || group.endsWith('.k8s.io')
}

/** Evaluates a simple CRD printer-column JSONPath such as `.spec.replicas` or `.status.conditions[0].type`. */
function evalJsonPath(obj: unknown, path: string): unknown {
  const expr = path.trim().replace(/^\{|\}$/g, '').replace(/^\$/, '')
  const parts = expr.match(/[^.[\]]+|\[\d+\]/g) ?? []
  let cur: any = obj
  for (const p of parts) {
    if (cur == null) return undefined
    cur = p.startsWith('[') ? cur[Number(p.slice(1, -1))] : cur[p]
  }
  return cur
}

/** cellForJSONValue of the CRD table convertor: a value of the wrong type for its column becomes null. */
function customCell(value: unknown, type: string, now: Date): unknown {
  if (value === undefined || value === null) return null
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null
    case 'number':
      return typeof value === 'number' ? value : null
    case 'boolean':
      return typeof value === 'boolean' ? value : null
    case 'date':
      if (typeof value !== 'string') return null
      return Number.isNaN(Date.parse(value)) ? '<invalid>' : since(value, now)
    default:
      // String columns print whatever the JSONPath finds: strings verbatim, anything else as JSON.
      return typeof value === 'string' ? value : JSON.stringify(value)
  }
}

/** A CRD version's printer columns; without any, CRD defaulting supplies a single Age column. */
function crdColumns(printerColumns: PrinterColumn[] | undefined): PrinterColumn[] {
  if (printerColumns && printerColumns.length > 0) return printerColumns
  return [{name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: AGE_DOC}]
}

function key(resource: ResourceRef): string {
  return `${resource.group}/${resource.resource}`
}

/**
 * The column definitions of the Table for a resource. Custom resources get Name plus the CRD version's
 * additionalPrinterColumns (or Age when it has none), as the CRD table convertor does; built-in resources
 * without a printer get the default convertor's Name and Created At.
 */
export function tableColumns(resource: ResourceRef, printerColumns?: PrinterColumn[]): TableColumnDefinition[] {
  const p = printers[key(resource)] ?? (resource.group === 'events.k8s.io' && resource.resource === 'events' ? printers['/events'] : undefined)
  if (p) return p.columns.map((c) => ({...c}))
  if (isBuiltinGroup(resource.group)) {
    return [{...NAME}, {name: 'Created At', type: 'date', format: '', description: AGE_DOC, priority: 0}]
  }
  return [{...NAME}, ...crdColumns(printerColumns).map((c) => ({name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0}))]
}

/** The row cells of one object, aligned with tableColumns(resource); `now` anchors every age. */
export function tableRow(resource: ResourceRef, obj: KubeObject, now: Date, printerColumns?: PrinterColumn[]): unknown[] {
  const p = printers[key(resource)] ?? (resource.group === 'events.k8s.io' && resource.resource === 'events' ? printers['/events'] : undefined)
  if (p) return p.row(obj, now)
  if (isBuiltinGroup(resource.group)) {
    // The default table convertor prints the creation time as RFC3339 (kubectl shows it verbatim).
    const ts = obj.metadata.creationTimestamp
    return [obj.metadata.name ?? '', ts ? new Date(ts).toISOString().replace(/\.\d{3}Z$/, 'Z') : null]
  }
  return [obj.metadata.name ?? '', ...crdColumns(printerColumns).map((c) => customCell(evalJsonPath(obj, c.jsonPath), c.type, now))]
}

/** Row conditions the server attaches to finished pods (kubectl uses them to grey out completed rows). */
export function tableRowConditions(resource: ResourceRef, obj: KubeObject): {type: string; status: string; reason: string; message: string}[] | undefined {
  if (resource.group !== '' || resource.resource !== 'pods') return undefined
  if (obj.status?.phase === 'Succeeded') return [{type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.'}]
  if (obj.status?.phase === 'Failed') return [{type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.'}]
  return undefined
}
