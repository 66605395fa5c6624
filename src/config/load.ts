// Loads the versioned cluster config file (apiVersion/kind), strictly, into the internal ClusterConfig.
import {readFile} from 'node:fs/promises'
import {ClusterDefaults, OPTIONAL_COMPONENTS, type OptionalComponent} from '../api/contract.js'
import {isIPv4CIDR, prefixLength} from '../api/net/cidr.js'
import {SkiffError} from '../errors.js'
import type {ClusterConfig, NodeConfig} from './types.js'
import {validateClusterName} from './names.js'
import {type CheckKeys, decodeNode, type Fail, isObject} from './decode-node.js'
import {lineFor, parseWithPositions, YAMLSyntaxError} from './positions.js'
import {allowedKeys} from './schema.js'

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

/** Where a config came from and the line of each of its fields, for error messages. */
interface Source {
  name: string
  lines?: Map<string, number>
}

function failAt(src: Source, path: string, message: string): never {
  const line = lineFor(src.lines, path)
  throw new SkiffError(`invalid cluster config ${src.name}${line !== undefined ? `:${line}` : ''}: ${message}`, {exitCode: 2, suggestions: ['See templates/cluster.yaml for a complete example, and templates/cluster.schema.json for every field.']})
}

function checkKeysAt(src: Source, path: string, obj: Record<string, unknown>, schemaPath: string): void {
  const allowed = allowedKeys(schemaPath)
  for (const k of Object.keys(obj)) {
    const field = path ? `${path}.${k}` : k
    if (!allowed.includes(k)) failAt(src, field, `unknown field "${field}" (allowed: ${allowed.join(', ')})`)
  }
}

function checkCIDR(fail: Fail, field: string, v: unknown): string {
  if (!isIPv4CIDR(v)) fail(field, `${field} must be an IPv4 CIDR such as 10.244.0.0/16, got ${JSON.stringify(v)}`)
  const prefix = prefixLength(v)
  if (prefix > 16) fail(field, `${field} must be /16 or larger (each node takes a /24), got ${v}`)
  return v
}

/** Decodes a parsed config document; `source` names it in errors, `lines` (field path → line) places them. */
export function decodeConfig(doc: unknown, source = '(inline)', lines?: Map<string, number>): ClusterConfig {
  const src: Source = {name: source, lines}
  const fail: Fail = (path, message) => failAt(src, path, message)
  const checkKeys: CheckKeys = (path, obj, schemaPath) => checkKeysAt(src, path, obj, schemaPath)
  if (!isObject(doc)) fail('', 'expected a YAML mapping')
  checkKeys('', doc, '')
  if (doc.apiVersion !== CONFIG_API_VERSION) fail('apiVersion', `apiVersion must be ${CONFIG_API_VERSION}, got ${JSON.stringify(doc.apiVersion)}`)
  if (doc.kind !== CONFIG_KIND) fail('kind', `kind must be ${CONFIG_KIND}, got ${JSON.stringify(doc.kind)}`)
  const name = doc.name === undefined ? DEFAULTS.name : String(doc.name)
  const nameErr = validateClusterName(name)
  if (nameErr) fail('name', nameErr)

  let nodes: NodeConfig[]
  if (doc.nodes === undefined) {
    nodes = defaultNodes(DEFAULTS.controlPlanes, DEFAULTS.workers)
  } else {
    if (!Array.isArray(doc.nodes) || doc.nodes.length === 0) fail('nodes', 'nodes must be a non-empty list')
    nodes = doc.nodes.map((n, i) => decodeNode(n, i, fail, checkKeys))
  }

  const net = doc.networking ?? {}
  if (!isObject(net)) fail('networking', 'networking must be a mapping')
  checkKeys('networking', net, 'networking')
  const port = net.apiServerPort ?? DEFAULTS.apiServerPort
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) fail('networking.apiServerPort', `networking.apiServerPort must be a port number (0 picks a free one), got ${JSON.stringify(port)}`)
  for (const k of ['ingressHTTPPort', 'ingressHTTPSPort'] as const) {
    const v = net[k]
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 65535)) fail(`networking.${k}`, `networking.${k} must be a port number (0 picks a free one; leave it out for ${k === 'ingressHTTPPort' ? 80 : 443} when free), got ${JSON.stringify(v)}`)
  }
  const address = net.apiServerAddress ?? DEFAULTS.apiServerAddress
  if (typeof address !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) fail('networking.apiServerAddress', `networking.apiServerAddress must be an IPv4 address, got ${JSON.stringify(address)}`)

  const grace = doc.nodeGracePeriodSeconds ?? DEFAULTS.nodeGracePeriodSeconds
  if (!Number.isInteger(grace) || (grace as number) < 1) fail('nodeGracePeriodSeconds', `nodeGracePeriodSeconds must be a positive integer, got ${JSON.stringify(grace)}`)
  if (doc.image !== undefined && (typeof doc.image !== 'string' || doc.image === '')) fail('image', 'image must be a non-empty string')

  const config: ClusterConfig = {
    name,
    components: decodeComponents(doc.components, fail, checkKeys),
    nodes,
    networking: {
      podSubnet: checkCIDR(fail, 'networking.podSubnet', net.podSubnet ?? DEFAULTS.podSubnet),
      serviceSubnet: checkCIDR(fail, 'networking.serviceSubnet', net.serviceSubnet ?? DEFAULTS.serviceSubnet),
      apiServerAddress: address,
      apiServerPort: port as number,
      ...(net.ingressHTTPPort !== undefined ? {ingressHTTPPort: net.ingressHTTPPort as number} : {}),
      ...(net.ingressHTTPSPort !== undefined ? {ingressHTTPSPort: net.ingressHTTPSPort as number} : {}),
    },
    ...(doc.image ? {image: doc.image as string} : {}),
    nodeGracePeriodSeconds: grace as number,
  }
  return checkTopology(config, fail)
}

/** The optional components a config turns off, in OPTIONAL_COMPONENTS' order. */
export function turnedOff(config: Pick<ClusterConfig, 'components'>): OptionalComponent[] {
  return OPTIONAL_COMPONENTS.filter((c) => !config.components[c])
}

/** Every optional component on. */
export function allComponents(): Record<OptionalComponent, boolean> {
  return Object.fromEntries(OPTIONAL_COMPONENTS.map((c) => [c, true])) as Record<OptionalComponent, boolean>
}

function decodeComponents(v: unknown, fail: Fail, checkKeys: CheckKeys): Record<OptionalComponent, boolean> {
  const out = allComponents()
  if (v === undefined || v === null) return out
  if (!isObject(v)) fail('components', 'components must be a mapping of component names to true or false, e.g. {dns: false}')
  checkKeys('components', v, 'components')
  for (const c of OPTIONAL_COMPONENTS) {
    if (v[c] === undefined) continue
    if (typeof v[c] !== 'boolean') fail(`components.${c}`, `components.${c} must be true or false, got ${JSON.stringify(v[c])}`)
    out[c] = v[c]
  }
  return out
}

function checkTopology(config: ClusterConfig, fail: Fail): ClusterConfig {
  const cps = config.nodes.filter((n) => n.role === 'control-plane').length
  if (cps === 0) fail('nodes', 'a cluster needs one control-plane node')
  if (cps > 1) throw new SkiffError(`${cps} control-plane nodes requested: high-availability control planes are not yet supported`, {exitCode: 2, suggestions: ['Use one control-plane node (--control-planes 1).']})
  if (config.nodes.length > 200) fail('nodes', 'at most 200 nodes are supported')
  const hostPorts = config.nodes.flatMap((n, i) => (n.extraPortMappings ?? []).filter((m) => m.hostPort !== 0).map((m) => ({key: `${m.listenAddress}:${m.hostPort}/${m.protocol}`, i})))
  const dup = hostPorts.find((h, j) => hostPorts.findIndex((o) => o.key === h.key) !== j)
  if (dup) fail(`nodes[${dup.i}].extraPortMappings`, `host port ${dup.key} is mapped twice`)
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
  return decodeConfigText(text, path)
}

/** Decodes config text (YAML or JSON); errors name the line. */
export function decodeConfigText(text: string, source: string): ClusterConfig {
  let parsed
  try {
    parsed = parseWithPositions(text)
  } catch (err) {
    if (!(err instanceof YAMLSyntaxError)) throw err
    failAt({name: source}, '', `not valid YAML: ${err.message}${err.line !== undefined ? ` (line ${err.line})` : ''}`)
  }
  return decodeConfig(parsed.doc, source, parsed.lines)
}

/** Builds the config from command-line flags, on top of an optional file. */
export function configFromFlags(base: ClusterConfig | undefined, flags: {name?: string; workers?: number; controlPlanes?: number; image?: string; disable?: string[]}): ClusterConfig {
  const config: ClusterConfig = base ?? decodeConfig({apiVersion: CONFIG_API_VERSION, kind: CONFIG_KIND})
  const out: ClusterConfig = {...config, networking: {...config.networking}, components: {...config.components}}
  // --disable only turns off: a component the file turns off stays off.
  for (const c of flags.disable ?? []) {
    if (!(OPTIONAL_COMPONENTS as readonly string[]).includes(c)) throw new SkiffError(`--disable ${c}: unknown component (known: ${OPTIONAL_COMPONENTS.join(', ')})`, {exitCode: 2})
    out.components[c as OptionalComponent] = false
  }
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
  return checkTopology(out, (_path, message) => {
    throw new SkiffError(message, {exitCode: 2})
  })
}
