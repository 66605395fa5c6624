// Pure translation of a planned node into Docker create options (tested without Docker).
import type Dockerode from 'dockerode'
import {Labels, NodePorts} from '../../api/contract.js'
import type {NodePlan} from '../plan.js'
import type {NodeRuntime, SecurityMode} from '../provider.js'

/** Name of the volume holding a node's containerd root (/var/lib/containerd: images, snapshots). */
export function runtimeVolumeName(node: string): string {
  return `${node}-var-lib-containerd`
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
  return {
    name: plan.name,
    Hostname: plan.name,
    Image: rt.image,
    Labels: labels,
    Env: Object.entries(rt.env).map(([k, v]) => `${k}=${v}`),
    Tty: false,
    ExposedPorts: isCP ? {[apiPort]: {}} : undefined,
    HostConfig: {
      ...(mode === 'privileged' ? {Privileged: true} : FALLBACK_SECURITY),
      // /run and /tmp as tmpfs: dockerd and containerd keep sockets and state there, and
      // stale state from a previous boot of the container must not survive a restart.
      Tmpfs: {'/run': 'rw,exec', '/tmp': 'rw,exec'},
      Mounts: [{Type: 'volume', Source: runtimeVolumeName(plan.name), Target: '/var/lib/containerd'}],
      PortBindings: isCP && rt.apiServerHostPort ? {[apiPort]: [{HostIp: rt.apiServerHostAddress ?? '127.0.0.1', HostPort: String(rt.apiServerHostPort)}]} : undefined,
      RestartPolicy: {Name: 'unless-stopped'},
      Init: false,
      NetworkMode: rt.network,
    },
    NetworkingConfig: {
      EndpointsConfig: {[rt.network]: {IPAMConfig: {IPv4Address: plan.ip}, Aliases: [plan.name]}},
    },
  }
}
