// Container environment from a pod spec: envFrom, env values with $(VAR) expansion, ConfigMap/Secret keys, fieldRef and resourceFieldRef.
import type {ClaimLookup} from './claim-volumes.js'
import type {Service} from '../../api/resources/core/service.js'
import {podServices, serviceEnv} from './service-env.js'
import {quantityNumber} from '../../api/quantity.js'
import type {Container, KeySelector, Pod, ResourceFieldSelector} from '../../api/types/workloads.js'

/** Where env and volumes read ConfigMaps and Secrets from; undefined means the object does not exist. Secret data is decoded. */
export interface ObjectLookup extends Partial<ClaimLookup> {
  configMap(namespace: string, name: string): Record<string, string> | undefined
  secret(namespace: string, name: string): Record<string, string> | undefined
  /** Every Service the agent knows of, for the service environment variables (none when absent). */
  services?(): Service[]
}

/** A container cannot be configured (missing ConfigMap, key...): the kubelet's CreateContainerConfigError. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

/** Pod facts fieldRef can read besides the pod object itself. */
export interface PodRuntimeFacts {
  podIP?: string
  hostIP?: string
  /** Node allocatable, used by resourceFieldRef when the container sets no limit. */
  nodeAllocatable?: {cpu?: string; memory?: string}
}

/** Reads one of the fields the downward API exposes ("metadata.labels['app']", "status.podIP", ...). */
export function podFieldValue(pod: Pod, path: string, facts: PodRuntimeFacts): string {
  const md = pod.metadata ?? {}
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path)
  if (sub) return String(md[sub[1] as 'labels' | 'annotations']?.[sub[2]] ?? '')
  switch (path) {
    case 'metadata.name':
      return md.name ?? ''
    case 'metadata.namespace':
      return md.namespace ?? ''
    case 'metadata.uid':
      return md.uid ?? ''
    case 'metadata.labels':
      return formatMap(md.labels)
    case 'metadata.annotations':
      return formatMap(md.annotations)
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? ''
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? ''
    case 'status.hostIP':
    case 'status.hostIPs':
      return facts.hostIP ?? ''
    case 'status.podIP':
    case 'status.podIPs':
      return facts.podIP ?? ''
    default:
      throw new ConfigError(`unsupported fieldRef path ${path}`)
  }
}

/** Formats labels/annotations as the downward API does: sorted `key="value"` lines. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n')
}

/** Value of a resourceFieldRef ("limits.cpu", "requests.memory") in units of its divisor, rounded up. */
export function resourceFieldValue(container: Container | undefined, ref: ResourceFieldSelector, facts: PodRuntimeFacts): string {
  const [kind, resource] = String(ref.resource ?? '').split('.')
  const res = container?.resources ?? {}
  let q = (kind === 'limits' ? res.limits : res.requests)?.[resource]
  if (q === undefined && kind === 'limits') q = facts.nodeAllocatable?.[resource as 'cpu' | 'memory']
  if (q === undefined && kind === 'requests') q = '0'
  const value = quantityNumber(q) ?? 0
  const divisor = quantityNumber(ref.divisor ?? (resource === 'cpu' ? '1' : '1')) || 1
  return String(Math.ceil(value / divisor))
}

/** Expands $(VAR) references from vars as Kubernetes does: unknown references stay as written, `$$` escapes. */
export function expandVars(input: string, vars: Map<string, string>): string {
  let out = ''
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch
      continue
    }
    const next = input[i + 1]
    if (next === '$') {
      out += '$'
      i++
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2)
      if (close < 0) {
        out += input.slice(i)
        break
      }
      const name = input.slice(i + 2, close)
      out += vars.has(name) ? vars.get(name) : `$(${name})`
      i = close
    } else {
      out += ch
    }
  }
  return out
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/

/** One key of a ConfigMap or Secret; undefined when an optional reference finds nothing, ConfigError when a required one does not. */
function keyRefValue(lookup: ObjectLookup, ns: string, kind: 'ConfigMap' | 'Secret', ref: KeySelector): string | undefined {
  const {name = '', key, optional} = ref
  const data = kind === 'ConfigMap' ? lookup.configMap(ns, name) : lookup.secret(ns, name)
  if (!data) {
    if (optional) return undefined
    throw new ConfigError(`${kind.toLowerCase()} "${name}" not found`)
  }
  if (!(key in data)) {
    if (optional) return undefined
    throw new ConfigError(`couldn't find key ${key} in ${kind} ${ns}/${name}`)
  }
  return data[key]
}

/** The container's environment as ordered name/value pairs; throws ConfigError for what the kubelet reports as CreateContainerConfigError. */
export function resolveEnv(pod: Pod, container: Container, lookup: ObjectLookup, facts: PodRuntimeFacts): Map<string, string> {
  const ns = pod.metadata?.namespace ?? 'default'
  // Service variables come first: the container's own envFrom and env override them, and $(VAR) may refer to them.
  const vars = serviceEnv(podServices(pod, lookup.services?.() ?? []))
  for (const src of container.envFrom ?? []) {
    const prefix = src.prefix ?? ''
    let data: Record<string, string> | undefined
    if (src.configMapRef) {
      data = lookup.configMap(ns, src.configMapRef.name ?? '')
      if (!data && !src.configMapRef.optional) throw new ConfigError(`configmap "${src.configMapRef.name}" not found`)
    } else if (src.secretRef) {
      data = lookup.secret(ns, src.secretRef.name ?? '')
      if (!data && !src.secretRef.optional) throw new ConfigError(`secret "${src.secretRef.name}" not found`)
    }
    for (const [k, v] of Object.entries(data ?? {})) {
      // Keys that are not valid variable names are skipped, as the kubelet does.
      if (ENV_NAME.test(prefix + k)) vars.set(prefix + k, v)
    }
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom === undefined) {
      vars.set(e.name, expandVars(e.value ?? '', vars))
      continue
    }
    const vf = e.valueFrom
    if (vf.configMapKeyRef || vf.secretKeyRef) {
      const value = vf.configMapKeyRef ? keyRefValue(lookup, ns, 'ConfigMap', vf.configMapKeyRef) : keyRefValue(lookup, ns, 'Secret', vf.secretKeyRef!)
      if (value !== undefined) vars.set(e.name, value)
    } else if (vf.fieldRef) {
      vars.set(e.name, podFieldValue(pod, vf.fieldRef.fieldPath, facts))
    } else if (vf.resourceFieldRef) {
      const ref = vf.resourceFieldRef
      const target = ref.containerName ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === ref.containerName) : container
      vars.set(e.name, resourceFieldValue(target, ref, facts))
    }
  }
  return vars
}
