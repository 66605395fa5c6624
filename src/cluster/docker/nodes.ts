// Node-level Docker operations for changing a running cluster: inspect a node, the network's taken addresses, stop, start, remove, copy out.
import type Dockerode from 'dockerode'
import type {NetworkUse, NodeSpec} from '../provider.js'
import {nodeVolumeNames} from './spec.js'
import {logTail} from './streams.js'

function ignoreGone(err: unknown): void {
  const status = (err as {statusCode?: number} | undefined)?.statusCode
  // 304: already stopped/started; 404: gone; 409: removal already in progress.
  if (status !== 304 && status !== 404 && status !== 409) throw err
}

export async function nodeSpec(docker: Dockerode, container: string): Promise<NodeSpec> {
  const info = await docker.getContainer(container).inspect()
  const env: Record<string, string> = {}
  for (const kv of info.Config.Env ?? []) {
    const i = kv.indexOf('=')
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1)
  }
  const endpoint = Object.values(info.NetworkSettings?.Networks ?? {})[0] as {IPAMConfig?: {IPv4Address?: string}; IPAddress?: string} | undefined
  return {image: info.Config.Image, env, privileged: Boolean(info.HostConfig?.Privileged), ip: endpoint?.IPAMConfig?.IPv4Address || endpoint?.IPAddress || undefined}
}

export async function networkUse(docker: Dockerode, network: string): Promise<NetworkUse> {
  const net = (await docker.getNetwork(network).inspect()) as {IPAM?: {Config?: {Subnet?: string; Gateway?: string}[]}; Containers?: Record<string, {IPv4Address?: string}>}
  const subnet = net.IPAM?.Config?.[0]?.Subnet
  if (!subnet) throw new Error(`network ${network} has no IPv4 subnet`)
  const taken = new Set<string>()
  if (net.IPAM?.Config?.[0]?.Gateway) taken.add(net.IPAM.Config[0].Gateway)
  for (const c of Object.values(net.Containers ?? {})) if (c.IPv4Address) taken.add(c.IPv4Address.split('/')[0])
  // A stopped container is not in the network's list but keeps its fixed address for its next start.
  const all = await docker.listContainers({all: true, filters: {network: [network]}})
  for (const c of all) {
    if (c.State === 'running') continue
    const spec = await nodeSpec(docker, c.Id).catch(() => undefined)
    if (spec?.ip) taken.add(spec.ip)
  }
  return {subnet, taken: [...taken]}
}

export async function stopNode(docker: Dockerode, container: string, timeoutSeconds: number): Promise<void> {
  await docker.getContainer(container).stop({t: timeoutSeconds}).catch(ignoreGone)
}

export async function startNode(docker: Dockerode, container: string): Promise<void> {
  await docker.getContainer(container).start().catch(ignoreGone)
}

export async function removeNode(docker: Dockerode, container: string): Promise<void> {
  await docker.getContainer(container).remove({force: true, v: true}).catch(ignoreGone)
  for (const v of nodeVolumeNames(container)) await docker.getVolume(v).remove({force: true}).catch(ignoreGone)
}

export async function archive(docker: Dockerode, container: string, path: string): Promise<NodeJS.ReadableStream> {
  return (await docker.getContainer(container).getArchive({path})) as NodeJS.ReadableStream
}

export async function fullLog(docker: Dockerode, container: string): Promise<string> {
  // logTail with "all" lines: Docker takes the string.
  return logTail(docker, container, 'all' as unknown as number)
}
