// The Pod Security Standards' checks over a pod spec: each returns Kubernetes' "<reason> (<detail>)" text or nothing.

export type Level = 'privileged' | 'baseline' | 'restricted'

interface SecurityContext {
  privileged?: boolean
  allowPrivilegeEscalation?: boolean
  runAsNonRoot?: boolean
  runAsUser?: number
  procMount?: string
  capabilities?: {add?: string[]; drop?: string[]}
  seccompProfile?: {type?: string}
}
interface Container {name: string; securityContext?: SecurityContext; ports?: {hostPort?: number}[]}
export interface PodSpecLike {
  hostNetwork?: boolean
  hostPID?: boolean
  hostIPC?: boolean
  securityContext?: SecurityContext & {sysctls?: {name: string}[]}
  containers?: Container[]
  initContainers?: Container[]
  ephemeralContainers?: Container[]
  volumes?: Record<string, unknown>[]
}

/** The capabilities baseline allows adding (Kubernetes' default container runtime set). */
const BASELINE_CAPS = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'])
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'])
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'])

const quoted = (xs: string[]) => xs.map(x => `"${x}"`).join(', ')
/** `container "a"` or `containers "a", "b"`, as the upstream messages pluralize. */
const named = (noun: string, xs: string[]) => `${noun}${xs.length > 1 ? 's' : ''} ${quoted(xs)}`

function containersOf(spec: PodSpecLike): Container[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])]
}

interface Check {level: Exclude<Level, 'privileged'>; run(spec: PodSpecLike, cs: Container[]): string | undefined}

/** In Kubernetes' check-ID order, which is the order the forbidden message lists them in. */
const CHECKS: Check[] = [
  {level: 'restricted', run: (_s, cs) => {
    const bad = cs.filter(c => c.securityContext?.allowPrivilegeEscalation !== false).map(c => c.name)
    return bad.length ? `allowPrivilegeEscalation != false (${named('container', bad)} must set securityContext.allowPrivilegeEscalation=false)` : undefined
  }},
  {level: 'baseline', run: (_s, cs) => {
    const bad = cs.filter(c => (c.securityContext?.capabilities?.add ?? []).some(x => !BASELINE_CAPS.has(x)))
    if (!bad.length) return undefined
    const caps = [...new Set(bad.flatMap(c => (c.securityContext?.capabilities?.add ?? []).filter(x => !BASELINE_CAPS.has(x))))]
    return `non-default capabilities (${named('container', bad.map(c => c.name))} must not include ${quoted(caps)} in securityContext.capabilities.add)`
  }},
  {level: 'restricted', run: (_s, cs) => {
    const noDrop = cs.filter(c => !(c.securityContext?.capabilities?.drop ?? []).includes('ALL')).map(c => c.name)
    const added = cs.filter(c => (c.securityContext?.capabilities?.add ?? []).some(x => x !== 'NET_BIND_SERVICE'))
    const parts: string[] = []
    if (noDrop.length) parts.push(`${named('container', noDrop)} must set securityContext.capabilities.drop=["ALL"]`)
    if (added.length) {
      const caps = [...new Set(added.flatMap(c => (c.securityContext?.capabilities?.add ?? []).filter(x => x !== 'NET_BIND_SERVICE')))]
      parts.push(`${named('container', added.map(c => c.name))} must not include ${quoted(caps)} in securityContext.capabilities.add`)
    }
    return parts.length ? `unrestricted capabilities (${parts.join('; ')})` : undefined
  }},
  {level: 'baseline', run: (s) => {
    const on = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter(k => s[k] === true).map(k => `${k}=true`)
    return on.length ? `host namespaces (${on.join(', ')})` : undefined
  }},
  {level: 'baseline', run: (s) => {
    const bad = (s.volumes ?? []).filter(v => v.hostPath !== undefined).map(v => String(v.name))
    return bad.length ? `hostPath volumes (${named('volume', bad)})` : undefined
  }},
  {level: 'baseline', run: (_s, cs) => {
    const bad = cs.filter(c => (c.ports ?? []).some(p => (p.hostPort ?? 0) !== 0))
    if (!bad.length) return undefined
    const ports = [...new Set(bad.flatMap(c => (c.ports ?? []).map(p => p.hostPort ?? 0).filter(p => p !== 0)))]
    return `hostPort (${named('container', bad.map(c => c.name))} ${bad.length > 1 ? 'use' : 'uses'} hostPort${ports.length > 1 ? 's' : ''} ${ports.join(', ')})`
  }},
  {level: 'baseline', run: (_s, cs) => {
    const bad = cs.filter(c => c.securityContext?.privileged === true).map(c => c.name)
    return bad.length ? `privileged (${named('container', bad)} must not set securityContext.privileged=true)` : undefined
  }},
  {level: 'baseline', run: (_s, cs) => {
    const bad = cs.filter(c => c.securityContext?.procMount !== undefined && c.securityContext.procMount !== 'Default')
    return bad.length ? `procMount (${named('container', bad.map(c => c.name))} must not set securityContext.procMount to ${quoted([...new Set(bad.map(c => c.securityContext!.procMount!))])})` : undefined
  }},
  {level: 'restricted', run: (s) => {
    const bad = (s.volumes ?? []).map(v => ({name: String(v.name), type: Object.keys(v).find(k => k !== 'name')})).filter(v => v.type && !RESTRICTED_VOLUMES.has(v.type))
    if (!bad.length) return undefined
    const types = [...new Set(bad.map(v => v.type!))]
    return `restricted volume types (${named('volume', bad.map(v => v.name))} ${bad.length > 1 ? 'use' : 'uses'} restricted volume type${types.length > 1 ? 's' : ''} ${quoted(types)})`
  }},
  {level: 'restricted', run: (s, cs) => {
    const podSet = s.securityContext?.runAsNonRoot === true
    const bad = cs.filter(c => c.securityContext?.runAsNonRoot === false || (!podSet && c.securityContext?.runAsNonRoot !== true)).map(c => c.name)
    if (s.securityContext?.runAsNonRoot === false) return 'runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)'
    return bad.length ? `runAsNonRoot != true (pod or ${named('container', bad)} must set securityContext.runAsNonRoot=true)` : undefined
  }},
  {level: 'restricted', run: (s, cs) => {
    if (s.securityContext?.runAsUser === 0) return 'runAsUser=0 (pod must not set runAsUser=0)'
    const bad = cs.filter(c => c.securityContext?.runAsUser === 0).map(c => c.name)
    return bad.length ? `runAsUser=0 (${named('container', bad)} must not set runAsUser=0)` : undefined
  }},
  {level: 'baseline', run: (s, cs) => {
    if (s.securityContext?.seccompProfile?.type === 'Unconfined') return 'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")'
    const bad = cs.filter(c => c.securityContext?.seccompProfile?.type === 'Unconfined').map(c => c.name)
    return bad.length ? `seccompProfile (${named('container', bad)} must not set securityContext.seccompProfile.type to "Unconfined")` : undefined
  }},
  {level: 'restricted', run: (s, cs) => {
    const ok = (t?: string) => t === 'RuntimeDefault' || t === 'Localhost'
    const podOk = ok(s.securityContext?.seccompProfile?.type)
    const bad = cs.filter(c => !ok(c.securityContext?.seccompProfile?.type) && !(podOk && c.securityContext?.seccompProfile === undefined)).map(c => c.name)
    return bad.length ? `seccompProfile (pod or ${named('container', bad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")` : undefined
  }},
  {level: 'baseline', run: (s) => {
    const bad = (s.securityContext?.sysctls ?? []).map(x => x.name).filter(n => !SAFE_SYSCTLS.has(n))
    return bad.length ? `forbidden sysctls (${bad.join(', ')})` : undefined
  }},
]

/** Every violation of `level` by the pod spec, in Kubernetes' order. Privileged allows everything. */
export function violations(level: Level, spec: PodSpecLike): string[] {
  if (level === 'privileged') return []
  const cs = containersOf(spec)
  const out: string[] = []
  for (const c of CHECKS) {
    if (level === 'baseline' && c.level === 'restricted') continue
    // restricted's seccomp check supersedes baseline's; both could name the same container.
    const v = c.run(spec, cs)
    if (v) out.push(v)
  }
  return level === 'restricted' ? dedupeSeccomp(out) : out
}

function dedupeSeccomp(out: string[]): string[] {
  const baseline = out.findIndex(v => v.startsWith('seccompProfile (') && v.includes('must not set'))
  const restricted = out.findIndex(v => v.startsWith('seccompProfile (') && v.includes('must set'))
  return baseline >= 0 && restricted >= 0 ? out.filter((_, i) => i !== restricted) : out
}
