// Pod spec defaulting (SetDefaults_PodSpec and the container, probe and volume defaults): what every pod and pod template gets.
import type {Container, Handler, PodSpec, PodTemplateSpec, Probe, Volume} from '../../types/workloads.js'
import {VOLUME_SOURCES} from './pod-spec-validation.js'

/** Sets `o[key]` unless it already holds a value (Go's zero values count as unset). */
export function setIfAbsent<T extends object, K extends keyof T>(o: T, key: K, value: T[K]): void {
  const v: unknown = o[key]
  if (v === undefined || v === null || v === '') o[key] = value
}

/** The tag of an image reference, "" when it is pinned by digest only (mirrors parsers.ParseImageName's defaulting). */
function imageTag(image: string): string {
  const atDigest = image.indexOf('@')
  const ref = atDigest >= 0 ? image.slice(0, atDigest) : image
  const lastSlash = ref.lastIndexOf('/')
  const lastColon = ref.lastIndexOf(':')
  if (lastColon > lastSlash) return ref.slice(lastColon + 1)
  return atDigest >= 0 ? '' : 'latest'
}

function defaultHandler(h: Handler | undefined): void {
  if (!h?.httpGet) return
  setIfAbsent(h.httpGet, 'path', '/')
  setIfAbsent(h.httpGet, 'scheme', 'HTTP')
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return
  setIfAbsent(p, 'timeoutSeconds', 1)
  setIfAbsent(p, 'periodSeconds', 10)
  setIfAbsent(p, 'successThreshold', 1)
  setIfAbsent(p, 'failureThreshold', 3)
  defaultHandler(p)
}

function defaultContainer(c: Container, hostNetwork: boolean): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(String(c.image ?? '')) === 'latest' ? 'Always' : 'IfNotPresent'
  setIfAbsent(c, 'terminationMessagePath', '/dev/termination-log')
  setIfAbsent(c, 'terminationMessagePolicy', 'File')
  // Go always serialises the non-pointer resources struct, so an empty one shows up as {}.
  if (!c.resources) c.resources = {}
  // Limits without requests mean requests equal to the limits (SetDefaults_Pod).
  const limits = c.resources.limits
  if (limits && Object.keys(limits).length > 0) {
    const requests = (c.resources.requests ??= {})
    for (const [k, v] of Object.entries(limits)) if (requests[k] === undefined) requests[k] = v
  }
  for (const p of c.ports ?? []) {
    setIfAbsent(p, 'protocol', 'TCP')
    if (hostNetwork && !p.hostPort) p.hostPort = p.containerPort
  }
  for (const e of c.env ?? []) if (e.valueFrom?.fieldRef) setIfAbsent(e.valueFrom.fieldRef, 'apiVersion', 'v1')
  defaultProbe(c.livenessProbe)
  defaultProbe(c.readinessProbe)
  defaultProbe(c.startupProbe)
  defaultHandler(c.lifecycle?.postStart)
  defaultHandler(c.lifecycle?.preStop)
}

function defaultVolume(v: Volume): void {
  const sources = v as unknown as Record<string, unknown>
  if (!VOLUME_SOURCES.some((s) => sources[s] !== undefined && sources[s] !== null)) v.emptyDir = {}
  if (v.secret) setIfAbsent(v.secret, 'defaultMode', 420)
  if (v.configMap) setIfAbsent(v.configMap, 'defaultMode', 420)
  if (v.downwardAPI) {
    setIfAbsent(v.downwardAPI, 'defaultMode', 420)
    for (const i of v.downwardAPI.items ?? []) if (i.fieldRef) setIfAbsent(i.fieldRef, 'apiVersion', 'v1')
  }
  if (v.projected) {
    setIfAbsent(v.projected, 'defaultMode', 420)
    for (const s of v.projected.sources ?? []) {
      if (s.serviceAccountToken) setIfAbsent(s.serviceAccountToken, 'expirationSeconds', 3600)
      for (const i of s.downwardAPI?.items ?? []) if (i.fieldRef) setIfAbsent(i.fieldRef, 'apiVersion', 'v1')
    }
  }
  if (v.hostPath && v.hostPath.type === undefined) v.hostPath.type = ''
  const iscsi = sources.iscsi as {iscsiInterface?: string} | undefined
  if (iscsi) setIfAbsent(iscsi, 'iscsiInterface', 'default')
}

/** SetDefaults_PodSpec plus container/volume/probe defaults: what every pod and pod template gets. */
export function defaultPodSpec(spec: PodSpec): void {
  setIfAbsent(spec, 'dnsPolicy', 'ClusterFirst')
  setIfAbsent(spec, 'restartPolicy', 'Always')
  if (!spec.securityContext) spec.securityContext = {}
  setIfAbsent(spec, 'terminationGracePeriodSeconds', 30)
  setIfAbsent(spec, 'schedulerName', 'default-scheduler')
  if (!spec.serviceAccountName && typeof spec.serviceAccount === 'string' && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount
  const hostNetwork = spec.hostNetwork === true
  for (const c of spec.initContainers ?? []) defaultContainer(c, hostNetwork)
  for (const c of spec.containers ?? []) defaultContainer(c, hostNetwork)
  for (const v of spec.volumes ?? []) defaultVolume(v)
}

/** Defaults of a pod template (the metadata stays as given; templates don't get pod-only admission fields). */
export function defaultPodTemplate(template: PodTemplateSpec | undefined): void {
  if (!template) return
  template.metadata ??= {}
  template.spec ??= {} as PodSpec
  defaultPodSpec(template.spec)
}

