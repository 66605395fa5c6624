// The node's CNI network config (bridge + host-local + portmap) for containerd's CRI, written by the agent from its Node's podCIDR.
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import {podGateway} from '../../api/contract.js'

/** Where containerd's CRI plugin looks for network configs (images/node/entrypoint sets conf_dir). */
export const CNI_CONF_DIR = '/etc/cni/net.d'
/** The one config skiff writes; containerd loads the first file in name order (max_conf_num = 1). */
export const CNI_CONF_FILE = '10-skiff.conflist'
/** Name of the node's pod bridge (dockerd's was docker0). */
export const CNI_BRIDGE = 'cni0'

export interface CniOptions {
  /** The node's pod range, e.g. 10.244.1.0/24 (Node spec.podCIDR, else the /24 the node was started with). */
  podCIDR: string
  /** host-local's allocation state; on tmpfs, so a restarted node container starts with no stale leases. */
  ipamDataDir?: string
  mtu?: number
}

/** 10.244.1.0/24 → 10.244.1.1: the bridge's address and the pods' gateway (the contract's podGateway). */
export const gatewayOf = podGateway

/**
 * The conflist for a node. Why each choice: the bridge is the pods' gateway so pods on other nodes are reached
 * through the node's routes (the entrypoint routes each peer's /24 via the peer node); ipMasq is off because
 * in-cluster traffic must keep pod source addresses (the entrypoint masquerades only traffic leaving the cluster
 * range); hairpin mode lets a pod reach itself through a Service address; portmap serves hostPort.
 */
export function cniConfig(opts: CniOptions): object {
  const gateway = gatewayOf(opts.podCIDR)
  return {
    cniVersion: '0.4.0',
    name: 'skiff',
    plugins: [
      {
        type: 'bridge',
        bridge: CNI_BRIDGE,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ...(opts.mtu ? {mtu: opts.mtu} : {}),
        ipam: {
          type: 'host-local',
          ranges: [[{subnet: opts.podCIDR.trim(), gateway}]],
          routes: [{dst: '0.0.0.0/0'}],
          dataDir: opts.ipamDataDir ?? '/run/skiff/cni-ipam',
        },
      },
      {type: 'portmap', capabilities: {portMappings: true}, snat: true},
    ],
  }
}

/**
 * Writes the conflist unless the same content is there; returns true when it wrote. Written atomically (temp file
 * + rename) because containerd watches the directory and would otherwise load a half-written file.
 */
export async function writeCniConfig(opts: CniOptions, dir = CNI_CONF_DIR): Promise<boolean> {
  const file = path.join(dir, CNI_CONF_FILE)
  const text = `${JSON.stringify(cniConfig(opts), null, 2)}\n`
  if ((await fs.readFile(file, 'utf8').catch(() => '')) === text) return false
  await fs.mkdir(dir, {recursive: true})
  // A name that does not end in .conflist, so the watcher never picks up the temp file itself.
  const tmp = path.join(dir, `.${CNI_CONF_FILE}.${process.pid}.tmp`)
  await fs.writeFile(tmp, text)
  await fs.rename(tmp, file)
  return true
}

/**
 * The pod range the node's CNI config in dir hands out (its host-local ipam subnet), or undefined when there is no
 * config or it names no range: what the agent reports as the state of the pod network.
 */
export async function configuredPodCIDR(dir = CNI_CONF_DIR): Promise<string | undefined> {
  const text = await fs.readFile(path.join(dir, CNI_CONF_FILE), 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  let conf: {plugins?: {ipam?: {ranges?: {subnet?: unknown}[][]}}[]}
  try {
    conf = JSON.parse(text)
  } catch {
    return undefined
  }
  for (const plugin of conf.plugins ?? []) {
    const subnet = plugin.ipam?.ranges?.[0]?.[0]?.subnet
    if (typeof subnet === 'string' && subnet) return subnet
  }
  return undefined
}
