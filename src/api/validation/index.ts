// Object validation for create and update: returns StatusCauses phrased exactly as the real kube-apiserver's 422 errors.
import {applyDefaults} from '../defaults/index.js'
import type {KubeObject, StatusCause} from '../types.js'
import {duplicate, forbidden, GoValue, goLabelSelector, goQuote, goStringMap, invalid, notSupported, required, tooLong} from './errors.js'
import {validateLabels, validateObjectMeta, validateObjectMetaUpdate} from './meta.js'
import {FIELD_IMMUTABLE_MSG, isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidPortNum, IS_NEGATIVE_MSG, type NameRule} from './names.js'
import {semanticEqual, validatePodSpec, validatePodSpecUpdate, validatePodTemplateSpec, validatePortNumOrName} from './pod.js'

export {formatInvalidMessage, GoValue, goStringMap, goLabelSelector} from './errors.js'
export {semanticEqual} from './pod.js'
export * as names from './names.js'
import * as names from './names.js'

/** What validation needs to know about the resource being written. */
export interface ValidationResource {
  group: string
  resource: string
  kind: string
  namespaced: boolean
}

type Any = Record<string, any>

const MAX_SECRET_SIZE = 1024 * 1024

function nameRule(r: ValidationResource): NameRule {
  if (r.group === '' && r.resource === 'namespaces') return 'label'
  if (r.group === '' && r.resource === 'services') return 'dns1035'
  if (r.group === 'rbac.authorization.k8s.io' || r.group === 'certificates.k8s.io') return 'path'
  const builtin = ['', 'apps', 'batch', 'autoscaling', 'policy'].includes(r.group) || r.group.endsWith('.k8s.io')
  return builtin ? 'subdomain' : 'path'
}

// --- label selectors -----------------------------------------------------------------------------------------------

function validateLabelSelector(sel: Any | undefined, path: string): StatusCause[] {
  if (!sel) return []
  const causes = validateLabels(sel.matchLabels, `${path}.matchLabels`)
  ;(sel.matchExpressions ?? []).forEach((e: Any, i: number) => {
    const p = `${path}.matchExpressions[${i}]`
    const values: unknown[] = e.values ?? []
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) causes.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"))
        break
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) causes.push(forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        break
      default:
        causes.push(invalid(`${p}.operator`, e.operator ?? '', 'not a valid selector operator'))
    }
    for (const m of isQualifiedName(e.key ?? '')) causes.push(invalid(`${p}.key`, e.key ?? '', m))
  })
  return causes
}

/** Whether a metav1.LabelSelector matches a label set (an empty selector matches everything). */
export function selectorMatches(sel: Any | undefined | null, labels: Record<string, string> | undefined | null): boolean {
  if (!sel) return false
  const l = labels ?? {}
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key)
    const vals: string[] = e.values ?? []
    if (e.operator === 'In' && !(has && vals.includes(l[e.key]))) return false
    if (e.operator === 'NotIn' && has && vals.includes(l[e.key])) return false
    if (e.operator === 'Exists' && !has) return false
    if (e.operator === 'DoesNotExist' && has) return false
  }
  return true
}

const selectorEmpty = (sel: Any | undefined): boolean => Object.keys(sel?.matchLabels ?? {}).length + (sel?.matchExpressions ?? []).length === 0

const nonNegative = (v: unknown, field: string): StatusCause[] => (typeof v === 'number' && v < 0 ? [invalid(field, v, IS_NEGATIVE_MSG)] : [])

// --- workloads -----------------------------------------------------------------------------------------------------

/** ValidatePodTemplateSpecForReplicaSet (shared by Deployments, ReplicaSets, StatefulSets, DaemonSets). */
function validateReplicatedTemplate(template: Any | undefined, selector: Any | undefined, path: string): StatusCause[] {
  if (!template) return [required(path)]
  const causes: StatusCause[] = []
  const labels = template.metadata?.labels
  if (selector && !selectorEmpty(selector) && !selectorMatches(selector, labels)) {
    causes.push(invalid(`${path}.metadata.labels`, goStringMap(labels), '`selector` does not match template `labels`'))
  }
  causes.push(...validatePodTemplateSpec(template, path))
  const rp = template.spec?.restartPolicy
  if (rp !== 'Always') causes.push(notSupported(`${path}.spec.restartPolicy`, rp ?? '', ['Always']))
  if (template.spec?.activeDeadlineSeconds != null) {
    causes.push(invalid(`${path}.spec.activeDeadlineSeconds`, template.spec.activeDeadlineSeconds, 'activeDeadlineSeconds in ReplicaSet is not Supported'))
  }
  return causes
}

function validateSelectorRequired(spec: Any, kindWord: string): StatusCause[] {
  if (!spec.selector) return [required('spec.selector')]
  const causes = validateLabelSelector(spec.selector, 'spec.selector')
  if (selectorEmpty(spec.selector)) causes.push(invalid('spec.selector', goLabelSelector(spec.selector), `empty selector is invalid for ${kindWord}`))
  return causes
}

function validateIntOrPercent(v: unknown, field: string): StatusCause[] {
  if (v === undefined || v === null) return []
  if (typeof v === 'number') return nonNegative(v, field)
  if (typeof v === 'string') {
    if (!/^[0-9]+%$/.test(v)) return [invalid(field, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")]
    return []
  }
  return [invalid(field, v, 'must be an integer or percentage (e.g \'5%\')')]
}

const isZeroIntOrPercent = (v: unknown): boolean => v === 0 || v === '0%' || v === undefined || v === null

function validateDeploymentSpec(spec: Any): StatusCause[] {
  const causes = nonNegative(spec.replicas, 'spec.replicas')
  causes.push(...validateSelectorRequired(spec, 'deployment'))
  causes.push(...validateReplicatedTemplate(spec.template, spec.selector, 'spec.template'))
  const st: Any = spec.strategy ?? {}
  if (st.type === 'Recreate') {
    if (st.rollingUpdate) causes.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"))
  } else if (st.type === 'RollingUpdate') {
    if (!st.rollingUpdate) causes.push(required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil'))
    else {
      const ru: Any = st.rollingUpdate
      causes.push(...validateIntOrPercent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable'))
      causes.push(...validateIntOrPercent(ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge'))
      if (isZeroIntOrPercent(ru.maxUnavailable) && isZeroIntOrPercent(ru.maxSurge)) {
        causes.push(invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'))
      }
    }
  } else {
    causes.push(notSupported('spec.strategy.type', st.type ?? '', ['Recreate', 'RollingUpdate']))
  }
  causes.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'))
  causes.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'))
  if (typeof spec.progressDeadlineSeconds === 'number') {
    causes.push(...nonNegative(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'))
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      causes.push(invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'))
    }
  }
  return causes
}

function validateStatefulSetSpec(spec: Any): StatusCause[] {
  const causes: StatusCause[] = []
  const pmp = spec.podManagementPolicy
  if (pmp !== undefined && !['OrderedReady', 'Parallel'].includes(pmp)) causes.push(notSupported('spec.podManagementPolicy', pmp, ['OrderedReady', 'Parallel']))
  const us: Any = spec.updateStrategy ?? {}
  if (us.type !== undefined && !['OnDelete', 'RollingUpdate'].includes(us.type)) causes.push(notSupported('spec.updateStrategy.type', us.type, ['OnDelete', 'RollingUpdate']))
  if (us.type === 'OnDelete' && us.rollingUpdate) causes.push(forbidden('spec.updateStrategy.rollingUpdate', "only allowed for updateStrategy 'RollingUpdate'"))
  causes.push(...nonNegative(us.rollingUpdate?.partition, 'spec.updateStrategy.rollingUpdate.partition'))
  causes.push(...nonNegative(spec.replicas, 'spec.replicas'))
  causes.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'))
  causes.push(...validateSelectorRequired(spec, 'statefulset'))
  causes.push(...validateReplicatedTemplate(spec.template, spec.selector, 'spec.template'))
  return causes
}

function validateDaemonSetSpec(spec: Any): StatusCause[] {
  const causes = validateSelectorRequired(spec, 'daemonset')
  causes.push(...validateReplicatedTemplate(spec.template, spec.selector, 'spec.template'))
  causes.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'))
  causes.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'))
  const us: Any = spec.updateStrategy ?? {}
  if (us.type !== undefined && !['OnDelete', 'RollingUpdate'].includes(us.type)) causes.push(notSupported('spec.updateStrategy.type', us.type, ['OnDelete', 'RollingUpdate']))
  return causes
}

// --- batch ---------------------------------------------------------------------------------------------------------

function validateJobSpecCommon(spec: Any, path: string): StatusCause[] {
  const causes: StatusCause[] = []
  causes.push(...nonNegative(spec.parallelism, `${path}.parallelism`))
  causes.push(...nonNegative(spec.completions, `${path}.completions`))
  causes.push(...nonNegative(spec.activeDeadlineSeconds, `${path}.activeDeadlineSeconds`))
  causes.push(...nonNegative(spec.backoffLimit, `${path}.backoffLimit`))
  causes.push(...nonNegative(spec.ttlSecondsAfterFinished, `${path}.ttlSecondsAfterFinished`))
  if (spec.completionMode !== undefined && !['NonIndexed', 'Indexed'].includes(spec.completionMode)) {
    causes.push(notSupported(`${path}.completionMode`, spec.completionMode, ['NonIndexed', 'Indexed']))
  }
  if (spec.completionMode === 'Indexed' && spec.completions == null) causes.push(required(`${path}.completions`, 'when completion mode is Indexed'))
  causes.push(...validatePodTemplateSpec(spec.template, `${path}.template`))
  const rp = spec.template?.spec?.restartPolicy
  if (rp !== 'OnFailure' && rp !== 'Never') causes.push(notSupported(`${path}.template.spec.restartPolicy`, rp ?? '', ['OnFailure', 'Never']))
  return causes
}

function validateJobSpec(spec: Any): StatusCause[] {
  const causes = validateJobSpecCommon(spec, 'spec')
  if (!spec.selector) causes.push(required('spec.selector'))
  else {
    causes.push(...validateLabelSelector(spec.selector, 'spec.selector'))
    if (!selectorMatches(spec.selector, spec.template?.metadata?.labels)) {
      causes.push(invalid('spec.template.metadata.labels', goStringMap(spec.template?.metadata?.labels), '`selector` does not match template `labels`'))
    }
  }
  return causes
}

const CRON_DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']
const CRON_RANGES: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 6]]
const CRON_NAMES: Record<number, string[]> = {
  3: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  4: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
}

/** The error robfig/cron's standard parser gives for a schedule, or undefined when it parses. */
export function cronScheduleError(schedule: string): string | undefined {
  const s = schedule.trim()
  if (s.startsWith('@')) {
    if (CRON_DESCRIPTORS.includes(s)) return undefined
    if (s.startsWith('@every ')) return /^@every\s+(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(s) ? undefined : `failed to parse duration ${s}: time: invalid duration ${goQuote(s.slice(7).trim())}`
    return `unrecognized descriptor: ${s}`
  }
  const fields = s.split(/\s+/).filter((f) => f !== '')
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`
  for (let i = 0; i < 5; i++) {
    const [lo, hi] = CRON_RANGES[i]
    for (const part of fields[i].split(',')) {
      const [rangePart, step] = part.split('/')
      if (step !== undefined && !/^\d+$/.test(step)) return `failed to parse int from ${step}: strconv.Atoi: parsing ${goQuote(step)}: invalid syntax`
      if (rangePart === '*' || rangePart === '?') continue
      const bounds = rangePart.split('-')
      const nums: number[] = []
      for (const b of bounds) {
        const named = CRON_NAMES[i]?.indexOf(b.toLowerCase()) ?? -1
        if (named >= 0) nums.push(named + (i === 3 ? 1 : 0))
        else if (/^\d+$/.test(b)) nums.push(Number(b))
        else return `failed to parse int from ${b}: strconv.Atoi: parsing ${goQuote(b)}: invalid syntax`
      }
      if (nums[0] < lo) return `beginning of range (${nums[0]}) below minimum (${lo}): ${part}`
      const end = nums[nums.length - 1]
      if (end > hi) return `end of range (${end}) above maximum (${hi}): ${part}`
      if (nums[0] > end) return `beginning of range (${nums[0]}) beyond end of range (${end}): ${part}`
    }
  }
  return undefined
}

function validateCronJob(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = []
  const nm = obj.metadata.name ?? ''
  // Jobs get "<name>-<unix minutes>" names which must stay a valid 63-character label.
  if (nm.length > 52) causes.push(invalid('metadata.name', nm, 'must be no more than 52 characters'))
  const spec: Any = obj.spec ?? {}
  if (!spec.schedule) causes.push(required('spec.schedule'))
  else if (/(^|\s)(CRON_)?TZ=/.test(spec.schedule)) causes.push(invalid('spec.schedule', spec.schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'))
  else {
    const err = cronScheduleError(spec.schedule)
    if (err) causes.push(invalid('spec.schedule', spec.schedule, err))
  }
  causes.push(...nonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'))
  if (spec.concurrencyPolicy !== undefined && !['Allow', 'Forbid', 'Replace'].includes(spec.concurrencyPolicy)) {
    causes.push(spec.concurrencyPolicy === '' ? required('spec.concurrencyPolicy') : notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']))
  }
  causes.push(...nonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'))
  causes.push(...nonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'))
  if (!spec.jobTemplate) causes.push(required('spec.jobTemplate'))
  else {
    causes.push(...validateLabels(spec.jobTemplate.metadata?.labels, 'spec.jobTemplate.metadata.labels'))
    causes.push(...validateJobSpecCommon(spec.jobTemplate.spec ?? {}, 'spec.jobTemplate.spec'))
  }
  return causes
}

// --- core ----------------------------------------------------------------------------------------------------------

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']
const PROTOCOLS = ['SCTP', 'TCP', 'UDP']

function goServicePortKey(port: Any): GoValue {
  return new GoValue(
    `core.ServicePort{Name:"", Protocol:${goQuote(port.protocol ?? '')}, AppProtocol:(*string)(nil), Port:${port.port ?? 0}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`,
  )
}

function validateService(obj: KubeObject): StatusCause[] {
  const spec: Any = obj.spec ?? {}
  const causes: StatusCause[] = []
  const headless = spec.clusterIP === 'None'
  const ports: Any[] = spec.ports ?? []
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
  for (const f of ['externalTrafficPolicy', 'internalTrafficPolicy']) {
    if (spec[f] !== undefined && !['Cluster', 'Local'].includes(spec[f])) causes.push(notSupported(`spec.${f}`, spec[f], ['Cluster', 'Local']))
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
  const n: Any = obj.spec ?? {}
  const o: Any = old.spec ?? {}
  // ExternalName services have no cluster IP, so moving to or from that type may change it.
  if (n.type === 'ExternalName' || o.type === 'ExternalName') return []
  const newIP = n.clusterIPs?.[0] ?? n.clusterIP
  const oldIP = o.clusterIPs?.[0] ?? o.clusterIP
  if (newIP && oldIP && newIP !== oldIP) return [invalid('spec.clusterIPs[0]', newIP, 'may not change once set')]
  return []
}

function validateDataKeys(data: Any | undefined, path: string): {causes: StatusCause[]; size: number} {
  const causes: StatusCause[] = []
  let size = 0
  for (const [k, v] of Object.entries(data ?? {})) {
    for (const m of isConfigMapKey(k)) causes.push(invalid(`${path}[${k}]`, k, m))
    size += typeof v === 'string' ? Buffer.byteLength(v) : 0
  }
  return {causes, size}
}

function validateConfigMap(obj: KubeObject): StatusCause[] {
  const d = validateDataKeys(obj.data, 'data')
  const causes = d.causes
  let size = d.size
  for (const [k, v] of Object.entries((obj.binaryData ?? {}) as Any)) {
    for (const m of isConfigMapKey(k)) causes.push(invalid(`binaryData[${k}]`, k, m))
    if (obj.data && Object.prototype.hasOwnProperty.call(obj.data, k)) causes.push(invalid(`binaryData[${k}]`, k, 'duplicate of key present in data'))
    size += typeof v === 'string' ? Buffer.from(v, 'base64').length : 0
  }
  if (size > MAX_SECRET_SIZE) causes.push(tooLong('', MAX_SECRET_SIZE))
  return causes
}

function validateSecret(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = []
  let size = 0
  for (const [k, v] of Object.entries((obj.data ?? {}) as Any)) {
    for (const m of isConfigMapKey(k)) causes.push(invalid(`data[${k}]`, k, m))
    size += typeof v === 'string' ? Buffer.from(v, 'base64').length : 0
  }
  for (const [k, v] of Object.entries((obj.stringData ?? {}) as Any)) {
    for (const m of isConfigMapKey(k)) causes.push(invalid(`stringData[${k}]`, k, m))
    size += typeof v === 'string' ? Buffer.byteLength(v) : 0
  }
  if (size > MAX_SECRET_SIZE) causes.push(tooLong('data', MAX_SECRET_SIZE))
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(obj.data ?? {}, k) || Object.prototype.hasOwnProperty.call(obj.stringData ?? {}, k)
  switch (obj.type) {
    case 'kubernetes.io/tls':
      if (!has('tls.key')) causes.push(required('data[tls.key]'))
      if (!has('tls.crt')) causes.push(required('data[tls.crt]'))
      break
    case 'kubernetes.io/dockerconfigjson':
      if (!has('.dockerconfigjson')) causes.push(required('data[.dockerconfigjson]'))
      break
    case 'kubernetes.io/dockercfg':
      if (!has('.dockercfg')) causes.push(required('data[.dockercfg]'))
      break
    case 'kubernetes.io/ssh-auth':
      if (!has('ssh-privatekey')) causes.push(required('data[ssh-privatekey]'))
      break
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) causes.push(required('data[username]'))
      break
    case 'kubernetes.io/service-account-token':
      if (!obj.metadata.annotations?.['kubernetes.io/service-account.name']) causes.push(required('metadata.annotations[kubernetes.io/service-account.name]'))
      break
    case 'Opaque':
    case '':
    case undefined:
      break
    default:
      for (const m of isQualifiedName(String(obj.type))) causes.push(invalid('type', obj.type, m))
  }
  return causes
}

function validateImmutableData(obj: KubeObject, old: KubeObject): StatusCause[] {
  if (old.immutable !== true) return []
  const causes: StatusCause[] = []
  if (obj.immutable !== true) causes.push(forbidden('immutable', 'field is immutable when `immutable` is set'))
  if (!semanticEqual(obj.data ?? {}, old.data ?? {})) causes.push(forbidden('data', 'field is immutable when `immutable` is set'))
  if (!semanticEqual(obj.binaryData ?? {}, old.binaryData ?? {})) causes.push(forbidden('binaryData', 'field is immutable when `immutable` is set'))
  return causes
}

function validateNamespace(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = []
  const standard = ['kubernetes', 'orphan', 'foregroundDeletion']
  ;(obj.spec?.finalizers ?? []).forEach((f: string) => {
    for (const m of isQualifiedName(f)) causes.push(invalid('spec.finalizers', f, m))
    if (!f.includes('/') && !standard.includes(f)) causes.push(invalid('spec.finalizers', f, 'name is neither a standard finalizer name nor is it fully qualified'))
  })
  return causes
}

function validateEndpoints(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = []
  ;(obj.subsets ?? []).forEach((ss: Any, i: number) => {
    ;(ss.ports ?? []).forEach((p: Any, j: number) => {
      const path = `subsets[${i}].ports[${j}]`
      for (const m of isValidPortNum(p.port)) causes.push(invalid(`${path}.port`, p.port ?? 0, m))
      if (!p.protocol) causes.push(required(`${path}.protocol`))
      else if (!PROTOCOLS.includes(p.protocol)) causes.push(notSupported(`${path}.protocol`, p.protocol, PROTOCOLS))
    })
  })
  return causes
}

function immutable(n: unknown, o: unknown, field: string, render: (v: any) => unknown = (v) => v): StatusCause[] {
  return semanticEqual(n, o) ? [] : [invalid(field, render(n), FIELD_IMMUTABLE_MSG)]
}

function podTemplateValue(t: unknown): GoValue {
  // The real message dumps the whole Go struct; a compact JSON keeps the meaning without the noise.
  return new GoValue(`core.PodTemplateSpec${JSON.stringify(t ?? {})}`)
}

// --- networking and storage ----------------------------------------------------------------------------------------

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix']

function validateIngressBackend(b: Any | undefined, path: string): StatusCause[] {
  if (!b || (!b.service && !b.resource)) return [invalid(path, '', 'one backend (service or resource) must be specified')]
  if (b.service && b.resource) return [invalid(path, '', 'cannot set both resource and service backends')]
  if (!b.service) return []
  const causes: StatusCause[] = []
  const svc: Any = b.service
  if (!svc.name) causes.push(required(`${path}.service.name`))
  else for (const m of names.isDNS1035Label(svc.name)) causes.push(invalid(`${path}.service.name`, svc.name, m))
  const port: Any | undefined = svc.port
  const hasNumber = port?.number != null && port.number !== 0
  const hasName = !!port?.name
  if (hasNumber && hasName) causes.push(invalid(`${path}.service.port`, '', 'cannot set both port name & port number'))
  else if (hasNumber) for (const m of isValidPortNum(port!.number)) causes.push(invalid(`${path}.service.port.number`, port!.number, m))
  else if (hasName) for (const m of names.isValidPortName(port!.name)) causes.push(invalid(`${path}.service.port.name`, port!.name, m))
  else causes.push(invalid(`${path}.service.port`, '', 'port name or number is required'))
  return causes
}

function validateIngress(obj: KubeObject): StatusCause[] {
  const spec: Any = obj.spec ?? {}
  const causes: StatusCause[] = []
  const rules: Any[] = spec.rules ?? []
  if (rules.length === 0 && !spec.defaultBackend) causes.push(invalid('spec', new GoValue('[]networking.IngressRule(nil)'), 'either `defaultBackend` or `rules` must be specified'))
  if (spec.defaultBackend) causes.push(...validateIngressBackend(spec.defaultBackend, 'spec.defaultBackend'))
  rules.forEach((rule, i) => {
    const rp = `spec.rules[${i}]`
    if (rule.host) {
      if (/^[0-9.]+$/.test(rule.host) || rule.host.includes(':')) causes.push(invalid(`${rp}.host`, rule.host, 'must be a DNS name, not an IP address'))
      else {
        const wildcard = rule.host.startsWith('*.')
        const msgs = isDNS1123Subdomain(wildcard ? rule.host.slice(2) : rule.host)
        for (const m of msgs) causes.push(invalid(`${rp}.host`, rule.host, m))
      }
    }
    if (!rule.http) return
    const paths: Any[] = rule.http.paths ?? []
    if (paths.length === 0) causes.push(required(`${rp}.http.paths`))
    paths.forEach((p, j) => {
      const pp = `${rp}.http.paths[${j}]`
      if (!p.pathType) causes.push(required(`${pp}.pathType`, 'pathType must be specified'))
      else if (!PATH_TYPES.includes(p.pathType)) causes.push(notSupported(`${pp}.pathType`, p.pathType, PATH_TYPES))
      else if ((p.pathType === 'Exact' || p.pathType === 'Prefix') && !String(p.path ?? '').startsWith('/')) causes.push(invalid(`${pp}.path`, p.path ?? '', 'must be an absolute path'))
      causes.push(...validateIngressBackend(p.backend, `${pp}.backend`))
    })
  })
  return causes
}

function validatePersistentVolumeClaim(obj: KubeObject): StatusCause[] {
  const spec: Any = obj.spec ?? {}
  const causes: StatusCause[] = []
  const modes: string[] = spec.accessModes ?? []
  if (modes.length === 0) causes.push(required('spec.accessModes', 'at least 1 access mode is required'))
  const valid = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod']
  for (const m of modes) if (!valid.includes(m)) causes.push(notSupported('spec.accessModes', m, valid))
  if (spec.resources?.requests?.storage === undefined) causes.push(required('spec.resources[storage]'))
  if (spec.volumeMode !== undefined && !['Block', 'Filesystem'].includes(spec.volumeMode)) causes.push(notSupported('spec.volumeMode', spec.volumeMode, ['Block', 'Filesystem']))
  return causes
}

// --- dispatch ------------------------------------------------------------------------------------------------------

function validateKind(r: ValidationResource, obj: KubeObject): StatusCause[] {
  const spec: Any = obj.spec ?? {}
  switch (`${r.group}/${r.resource}`) {
    case '/pods':
      return validatePodSpec(obj.spec, 'spec')
    case '/podtemplates':
      return validatePodTemplateSpec(obj.template, 'template')
    case '/services':
      return validateService(obj)
    case '/configmaps':
      return validateConfigMap(obj)
    case '/secrets':
      return validateSecret(obj)
    case '/namespaces':
      return validateNamespace(obj)
    case '/endpoints':
      return validateEndpoints(obj)
    case '/persistentvolumeclaims':
      return validatePersistentVolumeClaim(obj)
    case 'networking.k8s.io/ingresses':
      return validateIngress(obj)
    case '/replicationcontrollers': {
      const causes = nonNegative(spec.replicas, 'spec.replicas')
      if (!spec.selector || Object.keys(spec.selector).length === 0) causes.push(required('spec.selector'))
      else causes.push(...validateLabels(spec.selector, 'spec.selector'))
      return causes
    }
    case 'apps/deployments':
      return validateDeploymentSpec(spec)
    case 'apps/replicasets': {
      const causes = nonNegative(spec.replicas, 'spec.replicas')
      causes.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'))
      causes.push(...validateSelectorRequired(spec, 'deployment'))
      causes.push(...validateReplicatedTemplate(spec.template, spec.selector, 'spec.template'))
      return causes
    }
    case 'apps/statefulsets':
      return validateStatefulSetSpec(spec)
    case 'apps/daemonsets':
      return validateDaemonSetSpec(spec)
    case 'batch/jobs':
      return validateJobSpec(spec)
    case 'batch/cronjobs':
      return validateCronJob(obj)
    case 'coordination.k8s.io/leases':
      return [
        ...nonNegative(spec.leaseDurationSeconds, 'spec.leaseDurationSeconds'),
        ...nonNegative(spec.leaseTransitions, 'spec.leaseTransitions'),
      ]
    case 'apiextensions.k8s.io/customresourcedefinitions': {
      const causes: StatusCause[] = []
      const plural = spec.names?.plural ?? ''
      const group = spec.group ?? ''
      if (obj.metadata.name && obj.metadata.name !== `${plural}.${group}`) {
        causes.push(invalid('metadata.name', obj.metadata.name, `must be spec.names.plural+"."+spec.group`))
      }
      if (!group) causes.push(required('spec.group'))
      if (!plural) causes.push(required('spec.names.plural'))
      if (!spec.names?.kind) causes.push(required('spec.names.kind'))
      if (!['Cluster', 'Namespaced'].includes(spec.scope)) causes.push(notSupported('spec.scope', spec.scope ?? '', ['Cluster', 'Namespaced']))
      return causes
    }
  }
  return []
}

function validateKindUpdate(r: ValidationResource, obj: KubeObject, old: KubeObject): StatusCause[] {
  const n: Any = obj.spec ?? {}
  const o: Any = old.spec ?? {}
  switch (`${r.group}/${r.resource}`) {
    case '/pods':
      return validatePodSpecUpdate(obj.spec, old.spec)
    case '/services':
      return validateServiceUpdate(obj, old)
    case '/configmaps':
      return validateImmutableData(obj, old)
    case '/secrets': {
      const causes = (obj.type ?? 'Opaque') !== (old.type ?? 'Opaque') ? [invalid('type', obj.type ?? '', FIELD_IMMUTABLE_MSG)] : []
      return [...causes, ...validateImmutableData(obj, old)]
    }
    case 'apps/deployments':
    case 'apps/replicasets':
    case 'apps/daemonsets':
      return immutable(n.selector, o.selector, 'spec.selector', goLabelSelector)
    case 'apps/statefulsets': {
      // Only these fields of a StatefulSet spec may change; everything else (selector, serviceName, ...) is frozen.
      const mutable = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds', 'revisionHistoryLimit']
      const strip = (s: Any): Any => Object.fromEntries(Object.entries(s).filter(([k]) => !mutable.includes(k)))
      if (semanticEqual(strip(n), strip(o))) return []
      return [
        forbidden(
          'spec',
          "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ),
      ]
    }
    case 'batch/jobs': {
      const causes = immutable(n.selector, o.selector, 'spec.selector', goLabelSelector)
      causes.push(...immutable(n.completionMode, o.completionMode, 'spec.completionMode'))
      // Elastic indexed jobs may scale completions together with parallelism.
      if (!(n.completionMode === 'Indexed' && n.completions === n.parallelism && o.completions === o.parallelism)) {
        causes.push(...immutable(n.completions, o.completions, 'spec.completions'))
      }
      causes.push(...immutable(n.podFailurePolicy, o.podFailurePolicy, 'spec.podFailurePolicy'))
      if (!semanticEqual(n.template, o.template)) {
        // A suspended job that never started may change its scheduling directives; treat the rest as immutable.
        const strip = (t: Any | undefined): Any => {
          const c: Any = structuredClone(t ?? {})
          for (const f of ['nodeSelector', 'tolerations', 'affinity', 'schedulingGates']) if (c.spec) delete c.spec[f]
          if (c.metadata) {
            delete c.metadata.labels
            delete c.metadata.annotations
          }
          return c
        }
        const allowed = n.suspend === true && !old.status?.startTime && semanticEqual(strip(n.template), strip(o.template))
        if (!allowed) causes.push(invalid('spec.template', podTemplateValue(n.template), FIELD_IMMUTABLE_MSG))
      }
      return causes
    }
  }
  return []
}

/**
 * Validates an object about to be stored. Pass `old` for updates to add the immutability rules.
 * Run after applyDefaults (and, for Jobs, defaultJobSelector) and after generateName has produced a name.
 */
export function validateObject(resource: ValidationResource, obj: KubeObject, old?: KubeObject): StatusCause[] {
  if (old) {
    // The real server defaults objects as it reads them from storage, so an object stored before some default
    // existed (or written around the create path) compares as if it had it; do the same to the old copy.
    old = structuredClone(old)
    applyDefaults(resource, old)
  }
  const causes = validateObjectMeta(obj, resource.namespaced, nameRule(resource))
  if (old) causes.push(...validateObjectMetaUpdate(obj, old))
  causes.push(...validateKind(resource, obj))
  if (old) causes.push(...validateKindUpdate(resource, obj, old))
  return causes
}
