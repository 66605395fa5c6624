// Pure translation between the pod lifecycle's docker-shaped requests/answers and CRI configs/statuses, so the pod worker runs unchanged on CRI.
import {PodLabels, SANDBOX_CONTAINER} from '../container-labels.js'
import type {ContainerInfo, CreateRequest} from '../pods/runtime.js'
import type {ContainerConfig, ContainerStatus, Mount, NamespaceOption, PodSandbox, PodSandboxConfig, PodSandboxStatus, SecurityProfile} from './types.js'

/** Where the kubelet keeps a pod's container logs: /var/log/pods/<namespace>_<name>_<uid>. */
export function podLogDirectory(namespace: string, name: string, uid: string): string {
  return `/var/log/pods/${namespace}_${name}_${uid}`
}

/** True when a docker-shaped create request is a pod's sandbox (pause) container. */
export function isSandboxRequest(req: CreateRequest): boolean {
  const labels = req.body.Labels ?? {}
  return labels[PodLabels.containerType] === 'sandbox' || labels[PodLabels.containerName] === SANDBOX_CONTAINER
}

/** The sandbox id an app container joins, from its `container:<id>` network mode. */
export function sandboxIdOf(req: CreateRequest): string {
  const mode = String(req.body.HostConfig?.NetworkMode ?? '')
  if (!mode.startsWith('container:')) throw new Error(`container ${req.name} names no sandbox (network mode "${mode}")`)
  return mode.slice('container:'.length)
}

export interface SandboxOptions {
  /** Parent cgroup of every pod: "<node cgroup>/pods" (see the entrypoint). */
  cgroupParent?: string
  /** Pod DNS settings; absent, the runtime copies the node's resolv.conf (as dockerd did). */
  dnsConfig?: PodSandboxConfig['dnsConfig']
}

/** The sandbox config for a docker-shaped sandbox create request (pods/container-config.ts sandboxRequest). */
export function sandboxConfigFromRequest(req: CreateRequest, opts: SandboxOptions = {}): PodSandboxConfig {
  const body = req.body
  const labels: Record<string, string> = {...(body.Labels ?? {})}
  const uid = labels[PodLabels.podUID] ?? ''
  const name = labels[PodLabels.podName] ?? ''
  const namespace = labels[PodLabels.podNamespace] ?? 'default'
  const hostNetwork = body.HostConfig?.NetworkMode === 'host'
  const portMappings = Object.entries((body.HostConfig?.PortBindings ?? {}) as Record<string, {HostIp?: string; HostPort?: string}[]>).flatMap(([key, binds]) => {
    const [port, proto = 'tcp'] = key.split('/')
    return (binds ?? []).map((b) => ({
      protocol: proto.toUpperCase() as 'TCP' | 'UDP' | 'SCTP',
      containerPort: Number(port),
      hostPort: Number(b.HostPort ?? 0),
      hostIp: b.HostIp || undefined,
    }))
  })
  return {
    metadata: {name, uid, namespace, attempt: Number(labels[PodLabels.restartCount] ?? 0) || 0},
    hostname: hostNetwork ? undefined : body.Hostname,
    logDirectory: podLogDirectory(namespace, name, uid),
    // The pod's own resolv.conf when the request carries one (the agent computes it from dnsPolicy), else the runtime-wide one.
    dnsConfig: Array.isArray(body.HostConfig?.Dns) ? {servers: body.HostConfig.Dns, searches: body.HostConfig.DnsSearch ?? [], options: body.HostConfig.DnsOptions ?? []} : opts.dnsConfig,
    portMappings: portMappings.length > 0 ? portMappings : undefined,
    labels,
    linux: {
      cgroupParent: opts.cgroupParent,
      securityContext: {
        namespaceOptions: {network: hostNetwork ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD'},
        ...userFields(body.User),
        ...groupFields(body.HostConfig?.GroupAdd),
        privileged: body.HostConfig?.Privileged === true || undefined,
        seccomp: seccompProfile(body.HostConfig?.SecurityOpt),
      },
    },
  }
}

/** `host:container[:ro]` docker binds as CRI mounts. */
export function mountsFromBinds(binds: string[] | undefined): Mount[] {
  return (binds ?? []).map((b) => {
    const [hostPath, containerPath, mode = ''] = b.split(':')
    return {hostPath, containerPath, readonly: mode.split(',').includes('ro')}
  })
}

/** Docker's `User` (uid[:gid] or a name) as CRI security context fields. */
function userFields(user: string | undefined): {runAsUser?: {value: number}; runAsGroup?: {value: number}; runAsUsername?: string} {
  if (!user) return {}
  const [u, g] = user.split(':')
  if (!/^\d+$/.test(u)) return {runAsUsername: u}
  return {runAsUser: {value: Number(u)}, ...(g && /^\d+$/.test(g) ? {runAsGroup: {value: Number(g)}} : {})}
}

/** Docker's numeric `GroupAdd` entries as the CRI's supplemental groups (names cannot be resolved outside the image). */
function groupFields(groupAdd: unknown): {supplementalGroups?: number[]} {
  const groups = (Array.isArray(groupAdd) ? groupAdd : []).map(String).filter((g) => /^\d+$/.test(g)).map(Number)
  return groups.length > 0 ? {supplementalGroups: groups} : {}
}

/**
 * Docker's `seccomp=` security option as a CRI profile. Only an explicit option gives one: a missing profile leaves the
 * runtime's own choice (containerd: unconfined), as a request without the field does.
 */
function seccompProfile(securityOpt: unknown): SecurityProfile | undefined {
  const opt = (Array.isArray(securityOpt) ? securityOpt : []).map(String).find((o) => o.startsWith('seccomp='))
  if (!opt) return undefined
  const value = opt.slice('seccomp='.length)
  if (value === 'runtime/default') return {profileType: 'RuntimeDefault'}
  if (value.startsWith('localhost/')) return {profileType: 'Localhost', localhostRef: value.slice('localhost/'.length)}
  return {profileType: 'Unconfined'}
}

/** The CRI config for a docker-shaped app/init container create request (pods/container-config.ts containerRequest). */
export function containerConfigFromRequest(req: CreateRequest, sandboxHostNetwork = false): ContainerConfig {
  const body = req.body
  const hc = body.HostConfig ?? {}
  const labels: Record<string, string> = {...(body.Labels ?? {}), ...(body.Tty === true ? {[PodLabels.tty]: 'true'} : {})}
  const name = labels[PodLabels.containerName] ?? req.name
  const attempt = Number(labels[PodLabels.restartCount] ?? 0) || 0
  const namespaceOptions: NamespaceOption = {
    network: sandboxHostNetwork ? 'NODE' : 'POD',
    ipc: 'POD',
    pid: String(hc.PidMode ?? '').startsWith('container:') ? 'POD' : 'CONTAINER',
  }
  const envs = ((body.Env ?? []) as string[]).map((kv) => {
    const i = kv.indexOf('=')
    return i < 0 ? {key: kv, value: ''} : {key: kv.slice(0, i), value: kv.slice(i + 1)}
  })
  return {
    metadata: {name, attempt},
    image: {image: body.Image},
    // Same override rules as docker: command replaces the image's entrypoint (and drops its cmd unless args say).
    command: body.Entrypoint ?? undefined,
    args: body.Cmd ?? undefined,
    workingDir: body.WorkingDir || undefined,
    envs,
    mounts: mountsFromBinds(hc.Binds),
    labels,
    logPath: `${name}/${attempt}.log`,
    stdin: body.OpenStdin === true,
    stdinOnce: body.StdinOnce === true,
    tty: body.Tty === true,
    linux: {
      resources: {
        cpuShares: hc.CpuShares || undefined,
        cpuPeriod: hc.CpuPeriod || undefined,
        cpuQuota: hc.CpuQuota || undefined,
        memoryLimitInBytes: hc.Memory || undefined,
      },
      securityContext: {
        privileged: hc.Privileged === true,
        readonlyRootfs: hc.ReadonlyRootfs === true,
        capabilities: hc.CapAdd || hc.CapDrop ? {addCapabilities: hc.CapAdd ?? [], dropCapabilities: hc.CapDrop ?? []} : undefined,
        namespaceOptions,
        ...userFields(body.User),
        ...groupFields(hc.GroupAdd),
        noNewPrivs: ((hc.SecurityOpt ?? []) as string[]).includes('no-new-privileges') || undefined,
        // An empty list means "mask nothing" (procMount Unmasked); on the wire it is the same as none.
        maskedPaths: Array.isArray(hc.MaskedPaths) ? hc.MaskedPaths : undefined,
        readonlyPaths: Array.isArray(hc.ReadonlyPaths) ? hc.ReadonlyPaths : undefined,
        seccomp: seccompProfile(hc.SecurityOpt),
      },
    },
  }
}

const NS_PER_MS = 1_000_000

/** Nanoseconds since the epoch as RFC 3339 (millisecond precision), or undefined for 0 (not happened). */
export function rfc3339(ns: number): string | undefined {
  return ns > 0 ? new Date(Math.floor(ns / NS_PER_MS)).toISOString() : undefined
}

function typeOf(labels: Record<string, string>): ContainerInfo['type'] {
  const t = labels[PodLabels.containerType]
  return t === 'sandbox' || t === 'init' ? t : 'app'
}

function common(labels: Record<string, string>) {
  return {
    podUID: labels[PodLabels.podUID] ?? '',
    podName: labels[PodLabels.podName] ?? '',
    podNamespace: labels[PodLabels.podNamespace] ?? '',
    restartCount: Number(labels[PodLabels.restartCount] ?? 0) || 0,
    hash: labels[PodLabels.specHash] ?? '',
  }
}

/** A sandbox as the pod lifecycle sees it: the `POD` container, running while the sandbox is ready. */
export function sandboxInfo(s: PodSandbox | PodSandboxStatus, pauseImage: string, ip?: string): ContainerInfo {
  return {
    id: s.id,
    ...common(s.labels),
    name: SANDBOX_CONTAINER,
    type: 'sandbox',
    state: s.state === 'SANDBOX_READY' ? 'running' : 'exited',
    image: pauseImage,
    imageID: '',
    createdAt: Math.floor(s.createdAt / NS_PER_MS),
    ip: ip || undefined,
  }
}

const STATES: Record<string, ContainerInfo['state']> = {
  CONTAINER_CREATED: 'created',
  CONTAINER_RUNNING: 'running',
  CONTAINER_EXITED: 'exited',
}

/** A container's status as the pod lifecycle sees it (docker's inspect facts). */
export function containerInfo(st: ContainerStatus, imageID: string): ContainerInfo {
  const exited = st.state === 'CONTAINER_EXITED'
  return {
    id: st.id,
    ...common(st.labels),
    name: st.labels[PodLabels.containerName] ?? st.metadata?.name ?? '',
    type: typeOf(st.labels),
    state: STATES[st.state] ?? 'unknown',
    image: st.image?.image ?? '',
    imageID: imageID || st.imageRef,
    createdAt: Math.floor(st.createdAt / NS_PER_MS),
    startedAt: rfc3339(st.startedAt),
    finishedAt: rfc3339(st.finishedAt),
    exitCode: exited ? st.exitCode : undefined,
    oomKilled: st.reason === 'OOMKilled',
    // A container that exited without ever starting failed to start: the runtime's message says why.
    error: exited && st.startedAt === 0 && st.message ? st.message : undefined,
  }
}

