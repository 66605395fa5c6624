// Decodes one entry of the config's `nodes` list: role, labels, taints, CPU and memory limits, port mappings.
import {validateLabels} from '../api/validation/meta.js'
import {quantityValue, QuantityError} from '../api/quantity.js'
import type {NodeConfig, NodeTaint, PortMapping} from './types.js'
import {allowedKeys} from './schema.js'

/** Reports a problem at a field path (never returns). */
export type Fail = (path: string, message: string) => never

/** Checks a mapping's keys against the schema's properties at schemaPath. */
export type CheckKeys = (path: string, obj: Record<string, unknown>, schemaPath: string) => void

/** The smallest memory limit a node runs its components in. */
export const MIN_NODE_MEMORY = 256 * 1024 * 1024

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

const isPort = (v: unknown, min = 0) => Number.isInteger(v) && (v as number) >= min && (v as number) <= 65535

/** Parses a memory limit (bytes, or a quantity such as 1Gi or 1500M); undefined when it is not one. */
export function parseMemory(v: unknown): number | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined
  try {
    const n = quantityValue(v)
    return Number.isFinite(n) && n > 0 ? n : undefined
  } catch (err) {
    if (err instanceof QuantityError) return undefined
    throw err
  }
}

/** Checks a CPU count given as a flag or a config value; the error message, or undefined when fine. */
export function cpuProblem(v: unknown, hostCpus?: number): string | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) return `must be a positive number of cores (e.g. 1 or 1.5), got ${JSON.stringify(v)}`
  if (Math.round(v * 1000) !== v * 1000) return `must be a multiple of 0.001 cores, got ${v}`
  if (hostCpus !== undefined && v > hostCpus) return `asks for ${v} CPUs but this machine has ${hostCpus}`
  return undefined
}

/** Checks a memory value; the bytes, or a message. */
export function memoryOrProblem(v: unknown): number | string {
  const bytes = parseMemory(v)
  if (bytes === undefined) return `must be bytes or a quantity such as 1Gi or 512Mi, got ${JSON.stringify(v)}`
  if (bytes < MIN_NODE_MEMORY) return `${JSON.stringify(v)} is below the 256Mi a node needs for its own components`
  return bytes
}

function decodeTaints(v: unknown, at: string, fail: Fail, checkKeys: CheckKeys): NodeTaint[] {
  if (!Array.isArray(v)) fail(at, `${at} must be a list`)
  return v.map((t, j) => {
    const p = `${at}[${j}]`
    if (!isObject(t)) fail(p, `${p} must be a mapping with key, value and effect`)
    checkKeys(p, t, 'nodes[].taints[]')
    if (typeof t.key !== 'string' || t.key === '') fail(p, `${p}.key must be a non-empty string`)
    const [badKey] = validateLabels({[t.key]: typeof t.value === 'string' ? t.value : ''}, `${p}`)
    if (badKey) fail(p, `${badKey.field}: ${badKey.message}`)
    if (t.value !== undefined && typeof t.value !== 'string') fail(`${p}.value`, `${p}.value must be a string`)
    if (!TAINT_EFFECTS.includes(t.effect as NodeTaint['effect'])) fail(`${p}.effect`, `${p}.effect must be one of ${TAINT_EFFECTS.join(', ')}, got ${JSON.stringify(t.effect)}`)
    return {key: t.key, ...(t.value ? {value: t.value} : {}), effect: t.effect as NodeTaint['effect']}
  })
}

function decodePorts(v: unknown, at: string, fail: Fail, checkKeys: CheckKeys): PortMapping[] {
  if (!Array.isArray(v)) fail(at, `${at} must be a list`)
  const seen = new Set<string>()
  return v.map((m, j) => {
    const p = `${at}[${j}]`
    if (!isObject(m)) fail(p, `${p} must be a mapping with containerPort and hostPort`)
    checkKeys(p, m, 'nodes[].extraPortMappings[]')
    if (!isPort(m.containerPort, 1)) fail(`${p}.containerPort`, `${p}.containerPort must be a port number (1-65535), got ${JSON.stringify(m.containerPort)}`)
    const hostPort = m.hostPort ?? 0
    if (!isPort(hostPort)) fail(`${p}.hostPort`, `${p}.hostPort must be a port number (0 picks a free one), got ${JSON.stringify(m.hostPort)}`)
    const protocol = m.protocol ?? 'TCP'
    if (!PROTOCOLS.includes(protocol as PortMapping['protocol'])) fail(`${p}.protocol`, `${p}.protocol must be one of ${PROTOCOLS.join(', ')}, got ${JSON.stringify(m.protocol)}`)
    const listenAddress = m.listenAddress ?? '127.0.0.1'
    if (typeof listenAddress !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}$/.test(listenAddress)) fail(`${p}.listenAddress`, `${p}.listenAddress must be an IPv4 address, got ${JSON.stringify(m.listenAddress)}`)
    const key = `${m.containerPort}/${protocol}`
    if (seen.has(key)) fail(p, `${p}: containerPort ${key} is mapped twice`)
    seen.add(key)
    return {containerPort: m.containerPort as number, hostPort: hostPort as number, protocol: protocol as PortMapping['protocol'], listenAddress}
  })
}

/** Decodes nodes[i]. */
export function decodeNode(n: unknown, i: number, fail: Fail, checkKeys: CheckKeys): NodeConfig {
  const at = `nodes[${i}]`
  if (!isObject(n)) fail(at, `${at} must be a mapping`)
  checkKeys(at, n, 'nodes[]')
  if (n.role !== 'control-plane' && n.role !== 'worker') fail(`${at}.role`, `${at}.role must be control-plane or worker, got ${JSON.stringify(n.role)}`)
  if (n.labels !== undefined && (!isObject(n.labels) || Object.values(n.labels).some((v) => typeof v !== 'string'))) fail(`${at}.labels`, `${at}.labels must map strings to strings`)
  // The apiserver's own label rules: a label it would refuse would leave the node unregistered until the timeout.
  const [bad] = validateLabels(n.labels as Record<string, string> | undefined, `${at}.labels`)
  if (bad) fail(`${at}.labels`, `${bad.field}: ${bad.message}`)
  const node: NodeConfig = {role: n.role, ...(n.labels ? {labels: n.labels as Record<string, string>} : {})}
  if (n.taints !== undefined) node.taints = decodeTaints(n.taints, `${at}.taints`, fail, checkKeys)
  if (n.cpus !== undefined) {
    const problem = cpuProblem(n.cpus)
    if (problem) fail(`${at}.cpus`, `${at}.cpus ${problem}`)
    node.cpus = n.cpus as number
  }
  if (n.memory !== undefined) {
    const mem = memoryOrProblem(n.memory)
    if (typeof mem === 'string') fail(`${at}.memory`, `${at}.memory ${mem}`)
    node.memory = mem
  }
  if (n.extraPortMappings !== undefined) node.extraPortMappings = decodePorts(n.extraPortMappings, `${at}.extraPortMappings`, fail, checkKeys)
  return node
}

export {allowedKeys}
