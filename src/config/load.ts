// Loads the versioned cluster config file (apiVersion/kind), strictly, into the internal ClusterConfig.
import {readFile} from 'node:fs/promises'
import {ClusterDefaults} from '../api/contract.js'
import yaml from 'js-yaml'
import {isIPv4CIDR, prefixLength} from '../api/net/cidr.js'
import {validateLabels} from '../api/validation/meta.js'
import {SkiffError} from '../errors.js'
import type {ClusterConfig, NodeConfig} from './types.js'
import {validateClusterName} from './names.js'

/** The only file version so far; later versions are migrated into ClusterConfig here. */
export const CONFIG_API_VERSION = 'skiff.dev/v1alpha1'
export const CONFIG_KIND = 'Cluster'

/** Defaults for everything a config may leave out. */
export const DEFAULTS = {
  name: 'skiff',
  workers: 2,
  controlPlanes: 1,
  podSubnet: ClusterDefaults.podCIDR,
  serviceSubnet: ClusterDefaults.serviceCIDR,
  apiServerAddress: '127.0.0.1',
  apiServerPort: 0,
  nodeGracePeriodSeconds: 40,
} as const

const TOP_KEYS = ['apiVersion', 'kind', 'name', 'nodes', 'networking', 'image', 'nodeGracePeriodSeconds']
const NODE_KEYS = ['role', 'labels']
const NET_KEYS = ['podSubnet', 'serviceSubnet', 'apiServerAddress', 'apiServerPort', 'ingressHTTPPort', 'ingressHTTPSPort']

function fail(source: string, message: string): never {
  throw new SkiffError(`invalid cluster config ${source}: ${message}`, {exitCode: 2, suggestions: ['See templates/cluster.yaml for a complete example.']})
}

function checkKeys(source: string, path: string, obj: Record<string, unknown>, allowed: string[]): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) fail(source, `unknown field "${path}${k}" (allowed: ${allowed.join(', ')})`)
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function checkCIDR(source: string, field: string, v: unknown): string {
  if (!isIPv4CIDR(v)) fail(source, `${field} must be an IPv4 CIDR such as 10.244.0.0/16, got ${JSON.stringify(v)}`)
  const prefix = prefixLength(v)
  if (prefix > 16) fail(source, `${field} must be /16 or larger (each node takes a /24), got ${v}`)
  return v
}

/** Decodes a parsed config document; `source` names it in errors. */
export function decodeConfig(doc: unknown, source = '(inline)'): ClusterConfig {
  if (!isObject(doc)) fail(source, 'expected a YAML mapping')
  checkKeys(source, '', doc, TOP_KEYS)
  if (doc.apiVersion !== CONFIG_API_VERSION) fail(source, `apiVersion must be ${CONFIG_API_VERSION}, got ${JSON.stringify(doc.apiVersion)}`)
  if (doc.kind !== CONFIG_KIND) fail(source, `kind must be ${CONFIG_KIND}, got ${JSON.stringify(doc.kind)}`)
  const name = doc.name === undefined ? DEFAULTS.name : String(doc.name)
  const nameErr = validateClusterName(name)
  if (nameErr) fail(source, nameErr)

  let nodes: NodeConfig[]
  if (doc.nodes === undefined) {
    nodes = defaultNodes(DEFAULTS.controlPlanes, DEFAULTS.workers)
  } else {
    if (!Array.isArray(doc.nodes) || doc.nodes.length === 0) fail(source, 'nodes must be a non-empty list')
    nodes = doc.nodes.map((n, i) => {
      if (!isObject(n)) fail(source, `nodes[${i}] must be a mapping`)
      checkKeys(source, `nodes[${i}].`, n, NODE_KEYS)
      if (n.role !== 'control-plane' && n.role !== 'worker') fail(source, `nodes[${i}].role must be control-plane or worker, got ${JSON.stringify(n.role)}`)
      if (n.labels !== undefined && (!isObject(n.labels) || Object.values(n.labels).some((v) => typeof v !== 'string'))) fail(source, `nodes[${i}].labels must map strings to strings`)
      // The apiserver's own label rules: a label it would refuse would leave the node unregistered until the timeout.
      const [bad] = validateLabels(n.labels as Record<string, string> | undefined, `nodes[${i}].labels`)
      if (bad) fail(source, `${bad.field}: ${bad.message}`)
      return {role: n.role, ...(n.labels ? {labels: n.labels as Record<string, string>} : {})}
    })
  }

  const net = doc.networking ?? {}
  if (!isObject(net)) fail(source, 'networking must be a mapping')
  checkKeys(source, 'networking.', net, NET_KEYS)
  const port = net.apiServerPort ?? DEFAULTS.apiServerPort
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) fail(source, `networking.apiServerPort must be a port number (0 picks a free one), got ${JSON.stringify(port)}`)
  for (const k of ['ingressHTTPPort', 'ingressHTTPSPort'] as const) {
    const v = net[k]
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 65535)) fail(source, `networking.${k} must be a port number (0 picks a free one; leave it out for ${k === 'ingressHTTPPort' ? 80 : 443} when free), got ${JSON.stringify(v)}`)
  }
  const address = net.apiServerAddress ?? DEFAULTS.apiServerAddress
  if (typeof address !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) fail(source, `networking.apiServerAddress must be an IPv4 address, got ${JSON.stringify(address)}`)

  const grace = doc.nodeGracePeriodSeconds ?? DEFAULTS.nodeGracePeriodSeconds
  if (!Number.isInteger(grace) || (grace as number) < 1) fail(source, `nodeGracePeriodSeconds must be a positive integer, got ${JSON.stringify(grace)}`)
  if (doc.image !== undefined && (typeof doc.image !== 'string' || doc.image === '')) fail(source, 'image must be a non-empty string')

  const config: ClusterConfig = {
    name,
    nodes,
    networking: {
      podSubnet: checkCIDR(source, 'networking.podSubnet', net.podSubnet ?? DEFAULTS.podSubnet),
      serviceSubnet: checkCIDR(source, 'networking.serviceSubnet', net.serviceSubnet ?? DEFAULTS.serviceSubnet),
      apiServerAddress: address,
      apiServerPort: port as number,
      ...(net.ingressHTTPPort !== undefined ? {ingressHTTPPort: net.ingressHTTPPort as number} : {}),
      ...(net.ingressHTTPSPort !== undefined ? {ingressHTTPSPort: net.ingressHTTPSPort as number} : {}),
    },
    ...(doc.image ? {image: doc.image as string} : {}),
    nodeGracePeriodSeconds: grace as number,
  }
  return checkTopology(config, source)
}

function checkTopology(config: ClusterConfig, source: string): ClusterConfig {
  const cps = config.nodes.filter((n) => n.role === 'control-plane').length
  if (cps === 0) fail(source, 'a cluster needs one control-plane node')
  if (cps > 1) throw new SkiffError(`${cps} control-plane nodes requested: high-availability control planes are not yet supported`, {exitCode: 2, suggestions: ['Use one control-plane node (--control-planes 1).']})
  if (config.nodes.length > 200) fail(source, 'at most 200 nodes are supported')
  return config
}

/** Node list for `--control-planes N --workers M`. */
export function defaultNodes(controlPlanes: number, workers: number): NodeConfig[] {
  return [
    ...Array.from({length: controlPlanes}, () => ({role: 'control-plane' as const})),
    ...Array.from({length: workers}, () => ({role: 'worker' as const})),
  ]
}

/** Reads and decodes a config file. */
export async function loadConfigFile(path: string): Promise<ClusterConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw new SkiffError(`cannot read cluster config ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`, {exitCode: 2})
  }
  let doc: unknown
  try {
    doc = yaml.load(text)
  } catch (err) {
    const e = err as yaml.YAMLException
    fail(path, `not valid YAML: ${e.reason ?? e.message}${e.mark ? ` (line ${e.mark.line + 1})` : ''}`)
  }
  return decodeConfig(doc, path)
}

/** Builds the config from command-line flags, on top of an optional file. */
export function configFromFlags(base: ClusterConfig | undefined, flags: {name?: string; workers?: number; controlPlanes?: number; image?: string}): ClusterConfig {
  const config: ClusterConfig = base ?? decodeConfig({apiVersion: CONFIG_API_VERSION, kind: CONFIG_KIND})
  const out: ClusterConfig = {...config, networking: {...config.networking}}
  if (flags.name !== undefined) {
    const err = validateClusterName(flags.name)
    if (err) throw new SkiffError(err, {exitCode: 2})
    out.name = flags.name
  }
  if (flags.workers !== undefined || flags.controlPlanes !== undefined || !base) {
    const cps = flags.controlPlanes ?? config.nodes.filter((n) => n.role === 'control-plane').length
    const workers = flags.workers ?? config.nodes.filter((n) => n.role === 'worker').length
    if (workers < 0) throw new SkiffError('--workers must be 0 or more', {exitCode: 2})
    if (cps < 1) throw new SkiffError('--control-planes must be at least 1', {exitCode: 2})
    out.nodes = defaultNodes(cps, workers)
  }
  if (flags.image) out.image = flags.image
  return checkTopology(out, 'flags')
}
