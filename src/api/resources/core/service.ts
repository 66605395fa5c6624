// Service (core/v1): defaults, port and type validation, the cluster-IP update rule, its table and protobuf schema.
import type {KubeObject, StatusCause} from '../../types.js'
import {duplicate, forbidden, GoValue, goQuote, invalid, notSupported, required} from '../../validation/errors.js'
import {validateLabels} from '../../validation/meta.js'
import {isDNS1123Label, isDNS1123Subdomain, isValidPortNum} from '../../validation/names.js'
import {defineResource, statusSubresource} from '../def.js'
import {conditions, kindPatch, mergeBy} from '../shared/patch.js'
import {setIfAbsent} from '../shared/pod-defaults.js'
import {PROTOCOLS, validatePortNumOrName} from '../shared/pod-spec-validation.js'
import {B, I32, MSS, S, specStatusMessage} from '../shared/protobuf.js'
import {AGE, age, col, formatLabels, name, NAME} from '../shared/table.js'
import {allocateService} from './service-allocation.js'

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']

/** The Service fields skiff reads and writes. */
export interface ServicePort {
  name?: string
  protocol?: string
  port: number
  targetPort?: number | string
  nodePort?: number
  appProtocol?: string
}

export interface ServiceSpec {
  type?: string
  clusterIP?: string
  clusterIPs?: string[]
  externalIPs?: string[]
  externalName?: string
  ports?: ServicePort[]
  selector?: Record<string, string>
  sessionAffinity?: string
  sessionAffinityConfig?: {clientIP?: {timeoutSeconds?: number}}
  externalTrafficPolicy?: string
  internalTrafficPolicy?: string
  allocateLoadBalancerNodePorts?: boolean
  healthCheckNodePort?: number
  publishNotReadyAddresses?: boolean
  ipFamilies?: string[]
  ipFamilyPolicy?: string
}

interface LoadBalancerStatus {
  ingress?: {ip?: string; hostname?: string}[]
}

export interface Service extends KubeObject {
  spec?: ServiceSpec
  status?: {loadBalancer?: LoadBalancerStatus}
}

function defaultService(obj: KubeObject): void {
  const svc = obj as Service
  const spec = (svc.spec ??= {})
  setIfAbsent(spec, 'type', 'ClusterIP')
  setIfAbsent(spec, 'sessionAffinity', 'None')
  if (spec.sessionAffinity === 'ClientIP') {
    spec.sessionAffinityConfig ??= {}
    setIfAbsent((spec.sessionAffinityConfig.clientIP ??= {}), 'timeoutSeconds', 10800)
  }
  for (const p of spec.ports ?? []) {
    setIfAbsent(p, 'protocol', 'TCP')
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') setIfAbsent(spec, 'externalTrafficPolicy', 'Cluster')
  if (spec.type === 'LoadBalancer') setIfAbsent(spec, 'allocateLoadBalancerNodePorts', true)
  if (spec.type !== 'ExternalName') {
    setIfAbsent(spec, 'internalTrafficPolicy', 'Cluster')
    // IP family fields are really set by the REST layer with the allocation; single-stack IPv4 is all skiff serves.
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4']
    setIfAbsent(spec, 'ipFamilyPolicy', 'SingleStack')
  }
  svc.status ??= {loadBalancer: {}}
}

function goServicePortKey(port: ServicePort): GoValue {
  return new GoValue(
    `core.ServicePort{Name:"", Protocol:${goQuote(port.protocol ?? '')}, AppProtocol:(*string)(nil), Port:${port.port ?? 0}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`,
  )
}

function validateService(obj: KubeObject): StatusCause[] {
  const spec: ServiceSpec = (obj as Service).spec ?? {}
  const causes: StatusCause[] = []
  const headless = spec.clusterIP === 'None'
  const ports = spec.ports ?? []
  if (ports.length === 0 && !headless && spec.type !== 'ExternalName') causes.push(required('spec.ports'))
  if (spec.type === 'ExternalName') {
    if (spec.externalName) for (const m of isDNS1123Subdomain(spec.externalName)) causes.push(invalid('spec.externalName', spec.externalName, m))
    else causes.push(required('spec.externalName'))
  }
  const names = new Set<string>()
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`
    if (ports.length > 1 && !p.name) causes.push(required(`${path}.name`))
    else if (p.name) {
      for (const m of isDNS1123Label(p.name)) causes.push(invalid(`${path}.name`, p.name, m))
      if (names.has(p.name)) causes.push(duplicate(`${path}.name`, p.name))
      else names.add(p.name)
    }
    for (const m of isValidPortNum(p.port)) causes.push(invalid(`${path}.port`, p.port ?? 0, m))
    if (!p.protocol) causes.push(required(`${path}.protocol`))
    else if (!PROTOCOLS.includes(p.protocol)) causes.push(notSupported(`${path}.protocol`, p.protocol, PROTOCOLS))
    if (p.targetPort !== undefined && p.targetPort !== 0 && p.targetPort !== '') causes.push(...validatePortNumOrName(p.targetPort, `${path}.targetPort`))
    if (p.nodePort) for (const m of isValidPortNum(p.nodePort)) causes.push(invalid(`${path}.nodePort`, p.nodePort, m))
  })
  if (spec.selector) causes.push(...validateLabels(spec.selector, 'spec.selector'))
  if (!spec.sessionAffinity) causes.push(required('spec.sessionAffinity'))
  else if (!['ClientIP', 'None'].includes(spec.sessionAffinity)) causes.push(notSupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']))
  if (!spec.type) causes.push(required('spec.type'))
  else if (!SERVICE_TYPES.includes(spec.type)) causes.push(notSupported('spec.type', spec.type, SERVICE_TYPES))
  if (spec.type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (p.nodePort) causes.push(forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"))
    })
  }
  for (const f of ['externalTrafficPolicy', 'internalTrafficPolicy'] as const) {
    const v = spec[f]
    if (v !== undefined && !['Cluster', 'Local'].includes(v)) causes.push(notSupported(`spec.${f}`, v, ['Cluster', 'Local']))
  }
  const seen = new Set<string>()
  ports.forEach((p, i) => {
    const k = `${p.protocol}/${p.port}`
    if (seen.has(k)) causes.push(duplicate(`spec.ports[${i}]`, goServicePortKey(p)))
    seen.add(k)
  })
  return causes
}

function validateServiceUpdate(obj: KubeObject, old: KubeObject): StatusCause[] {
  const n: ServiceSpec = (obj as Service).spec ?? {}
  const o: ServiceSpec = (old as Service).spec ?? {}
  // ExternalName services have no cluster IP, so moving to or from that type may change it.
  if (n.type === 'ExternalName' || o.type === 'ExternalName') return []
  const newIP = n.clusterIPs?.[0] ?? n.clusterIP
  const oldIP = o.clusterIPs?.[0] ?? o.clusterIP
  if (newIP && oldIP && newIP !== oldIP) return [invalid('spec.clusterIPs[0]', newIP, 'may not change once set')]
  return []
}

function loadBalancerIngress(status: LoadBalancerStatus | undefined, wide: boolean): string {
  const set = new Set<string>()
  for (const i of status?.ingress ?? []) {
    if (i.ip) set.add(i.ip)
    else if (i.hostname) set.add(i.hostname)
  }
  let r = [...set].sort().join(',')
  if (!wide && r.length > 16) r = r.slice(0, 13) + '...'
  return r
}

function serviceExternalIP(svc: Service): string {
  const spec = svc.spec ?? {}
  const externalIPs = spec.externalIPs ?? []
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

function servicePorts(ports: ServicePort[] | undefined): string {
  const s = (ports ?? [])
    .map((p) => ((p.nodePort ?? 0) > 0 ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`))
    .join(',')
  return s === '' ? '<none>' : s
}

function row(obj: KubeObject, now: Date): unknown[] {
  const o = obj as Service
  const spec = o.spec ?? {}
  const clusterIP: string = spec.clusterIPs?.[0] ?? spec.clusterIP ?? '<none>'
  return [name(o), spec.type ?? '', clusterIP || '<none>', serviceExternalIP(o), servicePorts(spec.ports), age(o, now), formatLabels(spec.selector)]
}

export const service = defineResource('', 'v1', 'Service', {
  shortNames: ['svc'],
  categories: ['all'],
  subresources: [statusSubresource],
  nameRule: 'dns1035',
  fields: ['spec', 'status'],
  default: defaultService,
  validate: validateService,
  validateUpdate: validateServiceUpdate,
  table: {
    columns: [
      NAME,
      col('Type', 'string', 0, 'type determines how the Service is exposed.'),
      col('Cluster-IP', 'string', 0, 'clusterIP is the IP address of the service and is usually assigned randomly.'),
      col('External-IP', 'string', 0, 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
      col('Port(s)', 'string', 0, 'The list of ports that are exposed by this service.'),
      AGE,
      col('Selector', 'string', 1, 'Route service traffic to pods with label keys and values matching this selector.'),
    ],
    row,
  },
  patch: kindPatch({spec: {type: {ports: mergeBy('port', undefined, ['port', 'protocol'])}}, status: {type: {conditions}}}),
  protobuf: {
    Service: specStatusMessage('ServiceSpec', 'ServiceStatus'),
    ServiceSpec: {
      1: ['ports', 'ServicePort', 'r'], 2: ['selector', MSS], 3: ['clusterIP', S], 4: ['type', S], 5: ['externalIPs', S, 'r'],
      7: ['sessionAffinity', S], 8: ['loadBalancerIP', S], 9: ['loadBalancerSourceRanges', S, 'r'], 10: ['externalName', S],
      11: ['externalTrafficPolicy', S], 12: ['healthCheckNodePort', I32], 13: ['publishNotReadyAddresses', B],
      14: ['sessionAffinityConfig', 'SessionAffinityConfig'], 17: ['ipFamilyPolicy', S, 'k'], 18: ['clusterIPs', S, 'r'],
      19: ['ipFamilies', S, 'r'], 20: ['allocateLoadBalancerNodePorts', B, 'k'], 21: ['loadBalancerClass', S, 'k'],
      22: ['internalTrafficPolicy', S, 'k'], 23: ['trafficDistribution', S, 'k'],
    },
    ServicePort: {1: ['name', S], 2: ['protocol', S], 3: ['port', I32, 'k'], 4: ['targetPort', 'IntOrString'], 5: ['nodePort', I32], 6: ['appProtocol', S, 'k']},
    SessionAffinityConfig: {1: ['clientIP', 'ClientIPConfig']},
    ClientIPConfig: {1: ['timeoutSeconds', I32, 'k']},
    ServiceStatus: {1: ['loadBalancer', 'LoadBalancerStatus'], 2: ['conditions', 'Condition', 'r']},
    LoadBalancerStatus: {1: ['ingress', 'LoadBalancerIngress', 'r']},
    LoadBalancerIngress: {1: ['ip', S], 2: ['hostname', S], 3: ['ipMode', S, 'k'], 4: ['ports', 'PortStatus', 'r']},
    PortStatus: {1: ['port', I32, 'k'], 2: ['protocol', S, 'k'], 3: ['error', S, 'k']},
  },
  strategy: {deleteReturnsObject: true, allocate: allocateService},
})
