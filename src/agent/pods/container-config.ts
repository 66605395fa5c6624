// Pure translation of a pod spec into runtime create requests (Docker Engine API shape, turned into CRI configs by cri/translate.ts) for the sandbox and the pod's containers.
import {createHash} from 'node:crypto'
import * as path from 'node:path'
import {PodLabels, SANDBOX_CONTAINER, dockerContainerName} from '../container-labels.js'
import {expandVars} from './env.js'
import {PAUSE_IMAGE} from './pause-image.js'
import {podSupplementalGroups, securityHostConfig, seccompOption, userOption} from './security-context.js'
import {milliCPU, quantityNumber} from '../../api/quantity.js'
import type {Container, Pod} from '../../api/types/workloads.js'
import type {PodDNS} from './dns.js'
import type {CreateRequest} from './runtime.js'

/** CFS period the kubelet uses (100 ms); quotas are expressed against it. */
export const CPU_PERIOD_US = 100_000
/** Smallest CFS quota the kernel accepts (1 ms), as the kubelet clamps. */
const MIN_QUOTA_US = 1000
/** CPU shares of a container with no cpu request (the kubelet's minimum). */
const MIN_SHARES = 2

/** Hash of the parts of a container spec whose change requires a new container (resources excluded: resizable). */
export function containerHash(container: Container | undefined): string {
  const {resources: _r, ...rest} = container ?? {}
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16)
}

function podLabels(pod: Pod, containerName: string, type: 'sandbox' | 'init' | 'app', restartCount: number, hash: string): Record<string, string> {
  return {
    [PodLabels.podUID]: pod.metadata.uid ?? '',
    [PodLabels.podName]: pod.metadata.name ?? '',
    [PodLabels.podNamespace]: pod.metadata.namespace ?? 'default',
    [PodLabels.containerName]: containerName,
    [PodLabels.containerType]: type,
    [PodLabels.restartCount]: String(restartCount),
    [PodLabels.specHash]: hash,
  }
}

/** The create request of a pod's sandbox; attempt distinguishes re-created sandboxes; dns is the pod's resolv.conf. */
export function sandboxRequest(pod: Pod, attempt: number, dns?: PodDNS, domain = 'cluster.local'): CreateRequest {
  const md = pod.metadata
  const spec = pod.spec ?? {containers: []}
  const hostNetwork = spec.hostNetwork === true
  const psc = spec.securityContext ?? {}
  const groups = podSupplementalGroups(pod)
  const extraHosts: string[] = []
  for (const a of spec.hostAliases ?? []) for (const h of a.hostnames ?? []) extraHosts.push(`${h}:${a.ip}`)
  const body: Record<string, unknown> = {
    Image: PAUSE_IMAGE,
    Labels: podLabels(pod, SANDBOX_CONTAINER, 'sandbox', attempt, ''),
    HostConfig: {
      NetworkMode: hostNetwork ? 'host' : 'bridge',
      // App containers join the sandbox's IPC namespace, as pods share IPC.
      IpcMode: 'shareable',
      RestartPolicy: {Name: 'no'},
      ExtraHosts: extraHosts.length > 0 ? extraHosts : undefined,
      ...(dns ? {Dns: dns.servers, DnsSearch: dns.searches, DnsOptions: dns.options} : {}),
      // The sandbox runs with the pod-level identity and seccomp profile, as the kubelet's sandbox security context.
      GroupAdd: groups.length > 0 ? groups.map(String) : undefined,
      SecurityOpt: [`seccomp=${seccompOption(psc.seccompProfile, false)}`],
      // containerd runs a privileged container only in a privileged sandbox; the kubelet asks for one when any container is.
      Privileged: [...(spec.initContainers ?? []), ...(spec.containers ?? [])].some((c) => c.securityContext?.privileged === true) || undefined,
    },
  }
  if (psc.runAsUser !== undefined) body.User = psc.runAsGroup !== undefined ? `${psc.runAsUser}:${psc.runAsGroup}` : String(psc.runAsUser)
  if (!hostNetwork) {
    // A pod's hostname is its name (or spec.hostname), cut to a DNS label as the kubelet does.
    body.Hostname = String(spec.hostname ?? md.name).slice(0, 63).replace(/[-.]+$/, '')
    if (spec.subdomain) body.Domainname = `${spec.subdomain}.${md.namespace ?? 'default'}.svc.${domain}`
  }
  return {name: dockerContainerName(SANDBOX_CONTAINER, md.name ?? '', md.namespace ?? 'default', md.uid ?? '', attempt), body}
}

/** Docker resource settings from a container's requests and limits (CFS quota for the cpu limit, shares for the request). */
export function resourceConfig(container: Pick<Container, 'resources'> | undefined): Record<string, number> {
  const limits = container?.resources?.limits ?? {}
  const requests = container?.resources?.requests ?? {}
  const out: Record<string, number> = {}
  // As the API defaults it: a limit without a request requests the limit.
  const cpuRequest = milliCPU(requests.cpu ?? limits.cpu)
  out.CpuShares = cpuRequest === undefined ? MIN_SHARES : Math.max(MIN_SHARES, Math.floor((cpuRequest * 1024) / 1000))
  const cpuLimit = milliCPU(limits.cpu)
  if (cpuLimit !== undefined && cpuLimit > 0) {
    out.CpuPeriod = CPU_PERIOD_US
    out.CpuQuota = Math.max(MIN_QUOTA_US, Math.floor((cpuLimit * CPU_PERIOD_US) / 1000))
  }
  const mem = quantityNumber(limits.memory)
  if (mem !== undefined && mem > 0) {
    out.Memory = Math.floor(mem)
    // No swap beyond the limit, so the limit means what it says.
    out.MemorySwap = Math.floor(mem)
  }
  return out
}

/** Inputs of containerRequest besides the pod and container spec. */
export interface ContainerContext {
  sandboxID: string
  type: 'init' | 'app'
  restartCount: number
  env: Map<string, string>
  /** Volume name → path in the node. */
  volumes: Map<string, string>
  /** Names of volumes whose files the agent writes (configMap, secret, ...), which containers only read. */
  readOnlyVolumes?: Set<string>
  hostNetwork?: boolean
}

/** The create request of one of a pod's containers. */
export function containerRequest(pod: Pod, container: Container, ctx: ContainerContext): CreateRequest {
  const md = pod.metadata
  const spec = pod.spec ?? {containers: []}
  const binds: string[] = []
  for (const m of container.volumeMounts ?? []) {
    const src = ctx.volumes.get(m.name)
    if (!src) continue
    const sub = m.subPathExpr ? expandVars(m.subPathExpr, ctx.env) : m.subPath
    const host = sub ? path.join(src, sub) : src
    const ro = m.readOnly === true || ctx.readOnlyVolumes?.has(m.name)
    binds.push(`${host}:${m.mountPath}${ro ? ':ro' : ''}`)
  }
  const hostConfig: Record<string, unknown> = {
    NetworkMode: `container:${ctx.sandboxID}`,
    IpcMode: `container:${ctx.sandboxID}`,
    PidMode: spec.shareProcessNamespace ? `container:${ctx.sandboxID}` : undefined,
    Binds: binds,
    RestartPolicy: {Name: 'no'},
    ...securityHostConfig(pod, container),
    ...resourceConfig(container),
  }
  const body: Record<string, unknown> = {
    Image: container.image,
    Env: [...ctx.env].map(([k, v]) => `${k}=${v}`),
    Labels: podLabels(pod, container.name, ctx.type, ctx.restartCount, containerHash(container)),
    WorkingDir: container.workingDir || undefined,
    Tty: container.tty === true,
    OpenStdin: container.stdin === true,
    StdinOnce: container.stdinOnce === true,
    AttachStdin: false,
    HostConfig: hostConfig,
  }
  const user = userOption(pod, container)
  if (user !== undefined) body.User = user
  // command replaces the image's ENTRYPOINT (and with it its CMD); args replaces CMD. $(VAR) expands in both.
  if (container.command) body.Entrypoint = container.command.map((s) => expandVars(s, ctx.env))
  if (container.args) body.Cmd = container.args.map((s) => expandVars(s, ctx.env))
  else if (container.command) body.Cmd = []
  return {name: dockerContainerName(container.name, md.name ?? '', md.namespace ?? 'default', md.uid ?? '', ctx.restartCount), body}
}
