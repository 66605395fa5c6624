// Pure translation of a planned node into Docker create options (tested without Docker).
import type Dockerode from 'dockerode'
import {Labels, NodeFiles, NodePorts} from '../../api/contract.js'
import type {NodePlan} from '../plan.js'
import type {NodeRuntime, SecurityMode} from '../provider.js'

/** Name of the volume holding a node's containerd root (/var/lib/containerd: images, snapshots). */
export function runtimeVolumeName(node: string): string {
  return `${node}-var-lib-containerd`
}

/**
 * Name of the volume holding a node's own state (/var/lib/skiff: etcd's data on a control plane, local-path
 * volumes): a volume, not the container's layer, so it outlives a re-created node container.
 */
export function stateVolumeName(node: string): string {
  return `${node}-var-lib-skiff`
}

/** Every volume a node container mounts, by name. */
export function nodeVolumeNames(node: string): string[] {
  return [runtimeVolumeName(node), stateVolumeName(node)]
}

/** The capability set that runs a node (containerd, nested pods) where --privileged cannot (see DESIGN.md). */
export const FALLBACK_SECURITY = {
  CapAdd: ['ALL'],
  CapDrop: ['SYS_RESOURCE'],
  SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
  // `--security-opt systempaths=unconfined` is a docker CLI flag; the API equivalent is empty masked
  // and read-only path lists (the engine rejects the CLI spelling).
  MaskedPaths: [] as string[],
  ReadonlyPaths: [] as string[],
  DeviceCgroupRules: ['a *:* rwm'],
}

/** Docker create options for one node container. */
export function nodeCreateOptions(plan: NodePlan, rt: NodeRuntime, mode: SecurityMode, version: string): Dockerode.ContainerCreateOptions {
  const isCP = plan.role === 'control-plane'
  const labels: Record<string, string> = {[Labels.cluster]: rt.cluster, [Labels.role]: plan.role, [Labels.version]: version}
  if (isCP && rt.apiServerHostPort) labels[Labels.apiServerPort] = String(rt.apiServerHostPort)
  const apiPort = `${NodePorts.apiServer}/tcp`
  const host = rt.apiServerHostAddress ?? '127.0.0.1'
  const bindings: Record<string, {HostIp: string; HostPort: string}[]> = {}
  if (isCP && rt.apiServerHostPort) bindings[apiPort] = [{HostIp: host, HostPort: String(rt.apiServerHostPort)}]
  // The Ingress controller listens on the control plane's 80 and 443, published on the host as the cluster chose.
  if (isCP && rt.ingressHostPorts) {
    bindings[`${NodePorts.ingressHTTP}/tcp`] = [{HostIp: host, HostPort: String(rt.ingressHostPorts.http)}]
    bindings[`${NodePorts.ingressHTTPS}/tcp`] = [{HostIp: host, HostPort: String(rt.ingressHostPorts.https)}]
    labels[Labels.ingressHTTPPort] = String(rt.ingressHostPorts.http)
    labels[Labels.ingressHTTPSPort] = String(rt.ingressHostPorts.https)
  }
  // Extra mappings (kind's extraPortMappings): a hostPort pod or NodePort service on this node, reachable from the host.
  for (const m of plan.extraPortMappings ?? []) {
    const key = `${m.containerPort}/${m.protocol.toLowerCase()}`
    ;(bindings[key] ??= []).push({HostIp: m.listenAddress, HostPort: m.hostPort ? String(m.hostPort) : ''})
  }
  const mounts: Dockerode.MountSettings[] = [
    {Type: 'volume', Source: runtimeVolumeName(plan.name), Target: '/var/lib/containerd'},
    {Type: 'volume', Source: stateVolumeName(plan.name), Target: '/var/lib/skiff'},
  ]
  if (isCP && rt.hostDockerSocket) mounts.push({Type: 'bind', Source: rt.hostDockerSocket, Target: NodeFiles.hostDockerSocket})
  return {
    name: plan.name,
    Hostname: plan.name,
    Image: rt.image,
    Labels: labels,
    Env: Object.entries(rt.env).map(([k, v]) => `${k}=${v}`),
    Tty: false,
    ExposedPorts: Object.keys(bindings).length > 0 ? Object.fromEntries(Object.keys(bindings).map((p) => [p, {}])) : undefined,
    HostConfig: {
      ...(mode === 'privileged' ? {Privileged: true} : FALLBACK_SECURITY),
      // /run and /tmp as tmpfs: dockerd and containerd keep sockets and state there, and
      // stale state from a previous boot of the container must not survive a restart.
      Tmpfs: {'/run': 'rw,exec', '/tmp': 'rw,exec'},
      Mounts: mounts,
      PortBindings: Object.keys(bindings).length > 0 ? bindings : undefined,
      RestartPolicy: {Name: 'unless-stopped'},
      Init: false,
      NetworkMode: rt.network,
      // Real limits on the node container: its cgroup is the pods' parent, so no pod exceeds them, and the agent
      // reads them back from the cgroup as the Node's capacity. Swap is capped at the same size so the limit holds.
      ...(plan.cpus !== undefined ? {NanoCpus: Math.round(plan.cpus * 1e9)} : {}),
      ...(plan.memory !== undefined ? {Memory: plan.memory, MemorySwap: plan.memory} : {}),
    },
    NetworkingConfig: {
      EndpointsConfig: {[rt.network]: {IPAMConfig: {IPv4Address: plan.ip}, Aliases: [plan.name]}},
    },
  }
}
