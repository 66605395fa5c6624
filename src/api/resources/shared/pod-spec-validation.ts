// Pod spec and pod template validation, mirroring the checks and messages of pkg/apis/core/validation.
import type {StatusCause} from '../../types.js'
import type {Container, ContainerPort, EnvVar, PodSpec, PodTemplateSpec, Probe, Volume} from '../../types/workloads.js'
import {duplicate, forbidden, invalid, notFound, notSupported, required} from '../../validation/errors.js'
import {inclusiveRangeError, isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isValidPortName, isValidPortNum, IS_NEGATIVE_MSG} from '../../validation/names.js'
import {validateAnnotations, validateLabels} from '../../validation/meta.js'

/** Untyped access to an object's fields by name, for the rules that walk field lists. */
type Fields = Record<string, unknown>

export const PROTOCOLS = ['SCTP', 'TCP', 'UDP']
export const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
]

function dns1123Label(value: string, field: string): StatusCause[] {
  return isDNS1123Label(value).map((m) => invalid(field, value, m))
}

function validateVolumes(volumes: Volume[] | undefined, path: string): {causes: StatusCause[]; names: Set<string>} {
  const causes: StatusCause[] = []
  const names = new Set<string>()
  ;(volumes ?? []).forEach((v, i) => {
    const p = `${path}[${i}]`
    const f = v as unknown as Fields
    const sources = VOLUME_SOURCES.filter((s) => f[s] !== undefined && f[s] !== null)
    if (sources.length === 0) causes.push(required(p, 'must specify a volume type'))
    else if (sources.length > 1) causes.push(forbidden(`${p}.${sources[1]}`, 'may not specify more than 1 volume type'))
    if (!v.name) causes.push(required(`${p}.name`))
    else causes.push(...dns1123Label(v.name, `${p}.name`))
    if (v.name && names.has(v.name)) causes.push(duplicate(`${p}.name`, v.name))
    else if (v.name) names.add(v.name)
    if (v.configMap && !v.configMap.name) causes.push(required(`${p}.configMap.name`))
    if (v.secret && !v.secret.secretName) causes.push(required(`${p}.secret.secretName`))
    if (v.persistentVolumeClaim && !v.persistentVolumeClaim.claimName) causes.push(required(`${p}.persistentVolumeClaim.claimName`))
    if (v.hostPath && !v.hostPath.path) causes.push(required(`${p}.hostPath.path`))
  })
  return {causes, names}
}

function validatePorts(ports: ContainerPort[] | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = []
  const names = new Set<string>()
  ;(ports ?? []).forEach((port, i) => {
    const p = `${path}[${i}]`
    if (port.name) {
      for (const m of isValidPortName(port.name)) causes.push(invalid(`${p}.name`, port.name, m))
      if (names.has(port.name)) causes.push(duplicate(`${p}.name`, port.name))
      else names.add(port.name)
    }
    if (!port.containerPort) causes.push(required(`${p}.containerPort`))
    else for (const m of isValidPortNum(port.containerPort)) causes.push(invalid(`${p}.containerPort`, port.containerPort, m))
    if (port.hostPort) for (const m of isValidPortNum(port.hostPort)) causes.push(invalid(`${p}.hostPort`, port.hostPort, m))
    if (!port.protocol) causes.push(required(`${p}.protocol`))
    else if (!PROTOCOLS.includes(port.protocol)) causes.push(notSupported(`${p}.protocol`, port.protocol, PROTOCOLS))
  })
  return causes
}

function validateEnv(env: EnvVar[] | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = []
  ;(env ?? []).forEach((e, i) => {
    const p = `${path}[${i}]`
    if (!e.name) causes.push(required(`${p}.name`))
    // RelaxedEnvironmentVariableValidation is on in 1.32: any printable ASCII except '='.
    else if (!/^[\x20-\x7e]+$/.test(e.name) || e.name.includes('=')) {
      causes.push(invalid(`${p}.name`, e.name, "a valid environment variable name must consist only of printable ASCII characters other than '='"))
    }
    if (e.valueFrom) {
      const from = e.valueFrom
      const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((s) => (from as Fields)[s])
      if (e.value) causes.push(invalid(`${p}.valueFrom`, '', 'may not be specified when `value` is not empty'))
      if (sources.length === 0) causes.push(invalid(`${p}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'))
      for (const ref of ['configMapKeyRef', 'secretKeyRef'] as const) {
        const r = from[ref]
        if (!r) continue
        if (!r.key) causes.push(required(`${p}.valueFrom.${ref}.key`))
        else for (const m of isConfigMapKey(r.key)) causes.push(invalid(`${p}.valueFrom.${ref}.key`, r.key, m))
      }
    }
  })
  return causes
}

function validateProbe(probe: Probe | undefined, path: string): StatusCause[] {
  if (!probe) return []
  const causes: StatusCause[] = []
  const f = probe as Fields
  const handlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'].filter((h) => f[h])
  if (handlers.length === 0) causes.push(required(path, 'must specify a handler type'))
  else if (handlers.length > 1) causes.push(forbidden(`${path}.${handlers[1]}`, 'may not specify more than 1 handler type'))
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    const v = (probe as Fields)[f]
    if (typeof v === 'number' && v < 0) causes.push(invalid(`${path}.${f}`, v, IS_NEGATIVE_MSG))
  }
  const port = probe.httpGet?.port ?? probe.tcpSocket?.port
  if (port !== undefined) causes.push(...validatePortNumOrName(port, `${path}.${probe.httpGet ? 'httpGet' : 'tcpSocket'}.port`))
  return causes
}

export function validatePortNumOrName(port: unknown, field: string): StatusCause[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => invalid(field, port, m))
  if (typeof port === 'string') return isValidPortName(port).map((m) => invalid(field, port, m))
  return [invalid(field, port, 'must be an int or a string')]
}

function validateContainer(c: Container, path: string, volumes: Set<string>): StatusCause[] {
  const causes: StatusCause[] = []
  if (!c.name) causes.push(required(`${path}.name`))
  else causes.push(...dns1123Label(c.name, `${path}.name`))
  if (!c.image) causes.push(required(`${path}.image`))
  if (c.terminationMessagePolicy !== undefined && !['File', 'FallbackToLogsOnError'].includes(c.terminationMessagePolicy)) {
    causes.push(c.terminationMessagePolicy === '' ? required(`${path}.terminationMessagePolicy`) : notSupported(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, ['File', 'FallbackToLogsOnError']))
  }
  causes.push(...validatePorts(c.ports, `${path}.ports`))
  causes.push(...validateEnv(c.env, `${path}.env`))
  ;(c.volumeMounts ?? []).forEach((m, i) => {
    const p = `${path}.volumeMounts[${i}]`
    if (!m.name) causes.push(required(`${p}.name`))
    else if (!volumes.has(m.name)) causes.push(notFound(`${p}.name`, m.name))
    if (!m.mountPath) causes.push(required(`${p}.mountPath`))
  })
  if (c.imagePullPolicy !== undefined && !['Always', 'IfNotPresent', 'Never'].includes(c.imagePullPolicy)) {
    causes.push(c.imagePullPolicy === '' ? required(`${path}.imagePullPolicy`) : notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, ['Always', 'IfNotPresent', 'Never']))
  }
  return causes
}

/** A container's restartPolicy: forbidden on app containers; on init containers only `Always` (a native sidecar), which alone may have probes and hooks. */
function validateRestartPolicy(c: Container, p: string, init: boolean): StatusCause[] {
  const set = c.restartPolicy !== undefined && c.restartPolicy !== null
  if (!init) return set ? [forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers')] : []
  const causes: StatusCause[] = []
  if (set && c.restartPolicy !== 'Always') causes.push(notSupported(`${p}.restartPolicy`, c.restartPolicy, ['Always']))
  if (c.restartPolicy === 'Always') return causes
  for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
    if (c[f] !== undefined && c[f] !== null) causes.push(forbidden(`${p}.${f}`, 'may not be set for init containers without restartPolicy=Always'))
  }
  return causes
}

function validateContainers(list: Container[] | undefined, path: string, volumes: Set<string>, allNames: Set<string>, requireOne: boolean, init = false): StatusCause[] {
  const causes: StatusCause[] = []
  if (requireOne && (!list || list.length === 0)) causes.push(required(path))
  ;(list ?? []).forEach((c, i) => {
    const p = `${path}[${i}]`
    causes.push(...validateContainer(c, p, volumes))
    if (c.name !== undefined) {
      if (allNames.has(c.name)) causes.push(duplicate(`${p}.name`, c.name))
      else allNames.add(c.name)
    }
    causes.push(...validateRestartPolicy(c, p, init))
    causes.push(...validateProbe(c.livenessProbe, `${p}.livenessProbe`))
    causes.push(...validateProbe(c.readinessProbe, `${p}.readinessProbe`))
    causes.push(...validateProbe(c.startupProbe, `${p}.startupProbe`))
  })
  return causes
}

/** ValidatePodSpec: volumes, containers, init containers, restart/DNS policies, node selector, names of references. */
export function validatePodSpec(spec: PodSpec | undefined, path: string): StatusCause[] {
  const s = spec ?? ({} as PodSpec)
  const causes: StatusCause[] = []
  const vols = validateVolumes(s.volumes, `${path}.volumes`)
  causes.push(...vols.causes)
  const allNames = new Set<string>()
  causes.push(...validateContainers(s.containers, `${path}.containers`, vols.names, allNames, true))
  causes.push(...validateContainers(s.initContainers, `${path}.initContainers`, vols.names, allNames, false, true))
  const rp = s.restartPolicy
  if (rp === undefined || rp === '') causes.push(required(`${path}.restartPolicy`))
  else if (!['Always', 'OnFailure', 'Never'].includes(rp)) causes.push(notSupported(`${path}.restartPolicy`, rp, ['Always', 'OnFailure', 'Never']))
  const dp = s.dnsPolicy as string | undefined
  if (dp === undefined || dp === '') causes.push(required(`${path}.dnsPolicy`))
  else if (!['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'].includes(dp)) {
    causes.push(notSupported(`${path}.dnsPolicy`, dp, ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']))
  }
  causes.push(...validateLabels(s.nodeSelector, `${path}.nodeSelector`))
  if (s.serviceAccountName) for (const m of isDNS1123Subdomain(s.serviceAccountName)) causes.push(invalid(`${path}.serviceAccountName`, s.serviceAccountName, m))
  if (s.nodeName) for (const m of isDNS1123Subdomain(s.nodeName)) causes.push(invalid(`${path}.nodeName`, s.nodeName, m))
  if (s.activeDeadlineSeconds !== undefined && s.activeDeadlineSeconds !== null && s.activeDeadlineSeconds < 1) {
    causes.push(invalid(`${path}.activeDeadlineSeconds`, s.activeDeadlineSeconds, inclusiveRangeError(1, 2147483647)))
  }
  if (s.hostname) causes.push(...dns1123Label(s.hostname, `${path}.hostname`))
  if (s.subdomain) causes.push(...dns1123Label(s.subdomain, `${path}.subdomain`))
  if (typeof s.terminationGracePeriodSeconds === 'number' && s.terminationGracePeriodSeconds < 0) {
    causes.push(invalid(`${path}.terminationGracePeriodSeconds`, s.terminationGracePeriodSeconds, IS_NEGATIVE_MSG))
  }
  return causes
}

/** ValidatePodTemplateSpec: template labels/annotations (note the server's `<path>.labels`, not `.metadata.labels`) then the spec. */
export function validatePodTemplateSpec(template: PodTemplateSpec | undefined, path: string): StatusCause[] {
  if (!template) return [required(path)]
  const meta = template.metadata ?? {}
  return [...validateLabels(meta.labels, `${path}.labels`), ...validateAnnotations(meta.annotations, `${path}.annotations`), ...validatePodSpec(template.spec, `${path}.spec`)]
}

const POD_UPDATABLE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)'

/** Drops null/undefined members so `{"a":null}` and `{}` compare equal, as Go's typed structs would. */
export function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize)
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) {
      const x = (v as Fields)[k]
      if (x !== null && x !== undefined) out[k] = normalize(x)
    }
    return out
  }
  return v
}

export function semanticEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b))
}

function diffPaths(a: unknown, b: unknown, path: string, out: string[]): void {
  if (semanticEqual(a, b)) return
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    for (const k of [...keys].sort()) diffPaths((a as Fields)[k], (b as Fields)[k], Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`, out)
    return
  }
  out.push(`- \t${path}: ${JSON.stringify(a ?? null)}`, `+ \t${path}: ${JSON.stringify(b ?? null)}`)
}

/** ValidatePodUpdate's spec rule: only images, activeDeadlineSeconds, added tolerations and a few others may change. */
export function validatePodSpecUpdate(newSpec: PodSpec | undefined, oldSpec: PodSpec | undefined): StatusCause[] {
  const causes: StatusCause[] = []
  const n: PodSpec = structuredClone(newSpec ?? ({} as PodSpec))
  const o: PodSpec = oldSpec ?? ({} as PodSpec)
  // Neutralise the fields that may change, then anything left that differs is forbidden.
  for (const kind of ['containers', 'initContainers'] as const) {
    const nl = n[kind] ?? []
    const ol = o[kind] ?? []
    nl.forEach((c, i) => {
      if (ol[i]) c.image = ol[i].image
    })
  }
  if (n.activeDeadlineSeconds != null) {
    if (o.activeDeadlineSeconds != null && n.activeDeadlineSeconds > o.activeDeadlineSeconds) {
      causes.push(invalid('spec.activeDeadlineSeconds', n.activeDeadlineSeconds, 'must be less than or equal to previous value'))
    }
    n.activeDeadlineSeconds = o.activeDeadlineSeconds
  } else if (o.activeDeadlineSeconds != null) {
    causes.push(invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'))
    n.activeDeadlineSeconds = o.activeDeadlineSeconds
  }
  const oldTolerations = o.tolerations ?? []
  const newTolerations = n.tolerations ?? []
  if (oldTolerations.every((t) => newTolerations.some((x) => semanticEqual(x, t)))) n.tolerations = o.tolerations
  if (typeof o.terminationGracePeriodSeconds === 'number' && o.terminationGracePeriodSeconds < 0 && n.terminationGracePeriodSeconds === 1) {
    n.terminationGracePeriodSeconds = o.terminationGracePeriodSeconds
  }
  // Scheduling gates may only be removed.
  type Gate = {name?: string}
  const oldGates = (o.schedulingGates ?? []) as Gate[]
  if (((n.schedulingGates ?? []) as Gate[]).every((g) => oldGates.some((x) => x.name === g.name))) n.schedulingGates = o.schedulingGates
  // nodeName is set through the binding subresource, never by a plain update; keep the comparison strict.
  if (!semanticEqual(n, o)) {
    const lines: string[] = []
    diffPaths(o, n, '', lines)
    causes.push(forbidden('spec', `${POD_UPDATABLE}\n  core.PodSpec{\n${lines.join('\n')}\n  }\n`))
  }
  return causes
}
