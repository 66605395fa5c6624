// Reads, merges and removes skiff's entries in a kubeconfig file (mode 0600, written atomically).
import {mkdir, readFile, rename, writeFile, chmod} from 'node:fs/promises'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import yaml from 'js-yaml'
import {NodeFiles, NodePorts} from '../api/contract.js'
import {SkiffError} from '../errors.js'
import type {Provider} from './provider.js'

/** The kubeconfig file skiff writes when none is given: $KUBECONFIG's first entry or ~/.kube/config. */
export function defaultKubeconfigPath(env = process.env): string {
  const first = env.KUBECONFIG?.split(':').find((p) => p.length > 0)
  return first ?? join(homedir(), '.kube', 'config')
}

/** Context, cluster and user name of a skiff cluster in kubeconfig files. */
export function contextName(cluster: string): string {
  return `skiff-${cluster}`
}

/** A kubeconfig document (only what skiff touches is typed). */
export interface Kubeconfig {
  apiVersion: 'v1'
  kind: 'Config'
  preferences?: Record<string, unknown>
  'current-context'?: string
  clusters: {name: string; cluster: Record<string, unknown>}[]
  users: {name: string; user: Record<string, unknown>}[]
  contexts: {name: string; context: Record<string, unknown>}[]
  [key: string]: unknown
}

const b64 = (s: string) => Buffer.from(s).toString('base64')

/** Builds the kubeconfig of one cluster for an admin with a client certificate. */
export function buildKubeconfig(cluster: string, server: string, ca: string, cert: string, key: string): Kubeconfig {
  const name = contextName(cluster)
  return {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': name,
    clusters: [{name, cluster: {server, 'certificate-authority-data': b64(ca)}}],
    users: [{name, user: {'client-certificate-data': b64(cert), 'client-key-data': b64(key)}}],
    contexts: [{name, context: {cluster: name, user: name}}],
  }
}

/** Parses kubeconfig text; an empty file is an empty config. */
export function parseKubeconfig(text: string, source: string): Kubeconfig {
  let doc: unknown
  try {
    doc = yaml.load(text)
  } catch (err) {
    const e = err as Error & {reason?: string}
    throw new SkiffError(`${source} is not a valid kubeconfig: ${e.reason ?? e.message}`, {suggestions: ['Fix or move the file, or pass --kubeconfig to write elsewhere.']})
  }
  doc ??= {}
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new SkiffError(`${source} is not a valid kubeconfig: expected a mapping`)
  const d = doc as Partial<Kubeconfig>
  return {...d, apiVersion: 'v1', kind: 'Config', clusters: d.clusters ?? [], users: d.users ?? [], contexts: d.contexts ?? []}
}

async function readKubeconfig(path: string): Promise<Kubeconfig | undefined> {
  try {
    return parseKubeconfig(await readFile(path, 'utf8'), path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

async function writeKubeconfig(path: string, config: Kubeconfig): Promise<void> {
  await mkdir(dirname(path), {recursive: true})
  // Write beside the target and rename so a crash never leaves a truncated kubeconfig.
  const tmp = `${path}.skiff-${process.pid}.tmp`
  await writeFile(tmp, yaml.dump(config, {lineWidth: -1}), {mode: 0o600})
  await chmod(tmp, 0o600)
  await rename(tmp, path)
}

function upsert<T extends {name: string}>(list: T[], item: T): T[] {
  const i = list.findIndex((x) => x.name === item.name)
  if (i < 0) return [...list, item]
  const copy = [...list]
  copy[i] = item
  return copy
}

/** Merges one cluster's entries into the file; makes its context current when `switchContext`. */
export async function mergeKubeconfig(path: string, entry: Kubeconfig, switchContext: boolean): Promise<void> {
  const current = (await readKubeconfig(path)) ?? {apiVersion: 'v1', kind: 'Config', preferences: {}, clusters: [], users: [], contexts: []}
  const merged: Kubeconfig = {
    ...current,
    clusters: entry.clusters.reduce(upsert, current.clusters),
    users: entry.users.reduce(upsert, current.users),
    contexts: entry.contexts.reduce(upsert, current.contexts),
  }
  if (switchContext || !current['current-context']) merged['current-context'] = entry['current-context']
  await writeKubeconfig(path, merged)
}

/** Removes a cluster's entries; returns whether anything was removed. */
export async function removeFromKubeconfig(path: string, cluster: string): Promise<boolean> {
  const current = await readKubeconfig(path)
  if (!current) return false
  const name = contextName(cluster)
  const next: Kubeconfig = {
    ...current,
    clusters: current.clusters.filter((c) => c.name !== name),
    users: current.users.filter((u) => u.name !== name),
    contexts: current.contexts.filter((c) => c.name !== name),
  }
  const changed = next.clusters.length !== current.clusters.length || next.users.length !== current.users.length || next.contexts.length !== current.contexts.length || current['current-context'] === name
  if (!changed) return false
  if (current['current-context'] === name) next['current-context'] = ''
  await writeKubeconfig(path, next)
  return true
}

/**
 * A cluster's admin kubeconfig, recovered from its control-plane node, pointing at the apiserver's host port
 * (or, with `internal`, at the control-plane node's name on the cluster network).
 */
export async function clusterKubeconfig(provider: Provider, cluster: string, opts: {internal?: boolean} = {}): Promise<Kubeconfig> {
  await provider.ping()
  const info = await provider.getCluster(cluster)
  const cp = info?.nodes.find((n) => n.role === 'control-plane')
  if (!info || !cp) throw new SkiffError(`cluster "${cluster}" does not exist`, {exitCode: 4, suggestions: ['See `skiff cluster list`.']})
  const config = parseKubeconfig(await provider.readFile(cp.name, NodeFiles.adminKubeconfig), `${cp.name}:${NodeFiles.adminKubeconfig}`)
  const server = opts.internal ? `https://${cp.name}:${NodePorts.apiServer}` : `https://127.0.0.1:${info.apiServerPort}`
  for (const c of config.clusters) c.cluster.server = server
  return config
}
