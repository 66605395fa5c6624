// `cluster export-logs`: every node's component logs (split from its container log), /var/log (containerd, etcd, pod logs), Node objects and events, as one .tar.gz.
import {createWriteStream} from 'node:fs'
import {mkdir, mkdtemp, readdir, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pipeline} from 'node:stream/promises'
import yaml from 'js-yaml'
import * as tar from 'tar'
import type {KubeObject} from '../../api/types.js'
import {adminApi, type Engine, findCluster} from './access.js'

/** What was written. */
export interface ExportResult {
  cluster: string
  archive: string
  files: string[]
  /** Set when the API did not answer: node descriptions and events are then missing. */
  apiError?: string
}

/**
 * Splits a node container's log into one text per component. Component lines read `<ISO time> <component> <message>`
 * (src/components/log.ts); the entrypoint's read `skiff-entrypoint: ...`; anything else (a crash's stack) belongs to
 * the component of the line before it.
 */
export function splitComponentLogs(log: string): Record<string, string> {
  const out: Record<string, string[]> = {}
  let current = 'other'
  for (const line of log.split('\n')) {
    if (line === '') continue
    const m = /^\d{4}-\d\d-\d\dT[\d:.]+Z ([A-Za-z][\w.-]*) /.exec(line)
    if (m) current = m[1]
    else if (line.startsWith('skiff-entrypoint:')) current = 'entrypoint'
    ;(out[current] ??= []).push(line)
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, `${v.join('\n')}\n`]))
}

async function listAll(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, {withFileTypes: true})) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...(await listAll(join(dir, e.name), rel)))
    else out.push(rel)
  }
  return out
}

/** Writes DIR/<cluster>-logs-<time>.tar.gz. */
export async function exportLogs(engine: Engine, cluster: string, dir: string, onProgress: (msg: string) => void = () => undefined): Promise<ExportResult> {
  const found = await findCluster(engine, cluster)
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z')
  const top = `${cluster}-logs-${stamp}`
  const staging = await mkdtemp(join(tmpdir(), 'skiff-logs-'))
  const root = join(staging, top)
  let apiError: string | undefined
  try {
    for (const node of found.info.nodes) {
      onProgress(`collecting ${node.name}`)
      const nd = join(root, node.name)
      await mkdir(join(nd, 'components'), {recursive: true})
      const log = await engine.fullLog(node.name)
      await writeFile(join(nd, 'container.log'), log)
      for (const [component, text] of Object.entries(splitComponentLogs(log))) await writeFile(join(nd, 'components', `${component}.log`), text)
      // containerd's and etcd's logs, and every pod container's log under /var/log/pods.
      try {
        await mkdir(join(nd, 'var-log'), {recursive: true})
        await pipeline(await engine.archive(node.name, '/var/log'), tar.x({cwd: join(nd, 'var-log'), strip: 1}))
      } catch (err) {
        await writeFile(join(nd, 'var-log.error.txt'), `${(err as Error).message}\n`)
      }
    }
    onProgress('reading Node objects and events from the API')
    try {
      if (found.controlPlane.state !== 'running') throw new Error(`the control plane is ${found.controlPlane.state}`)
      const api = await adminApi(engine, found, 5000)
      try {
        const asList = (items: KubeObject[], kind: string) => yaml.dump({apiVersion: 'v1', kind: `${kind}List`, items}, {lineWidth: -1})
        const nodes = await api.list({version: 'v1', resource: 'nodes'})
        await writeFile(join(root, 'nodes.yaml'), asList(nodes.items, 'Node'))
        const events = await api.list({version: 'v1', resource: 'events'})
        await writeFile(join(root, 'events.yaml'), asList(events.items, 'Event'))
        const pods = await api.list({version: 'v1', resource: 'pods'})
        await writeFile(join(root, 'pods.yaml'), asList(pods.items, 'Pod'))
      } finally {
        api.close()
      }
    } catch (err) {
      apiError = (err as Error).message
      await writeFile(join(root, 'api-error.txt'), `${apiError}\n`)
    }
    const files = await listAll(root)
    await mkdir(dir, {recursive: true})
    const archive = join(dir, `${top}.tar.gz`)
    onProgress(`writing ${archive}`)
    await pipeline(tar.c({gzip: true, cwd: staging, portable: true}, [top]) as unknown as NodeJS.ReadableStream, createWriteStream(archive))
    return {cluster, archive, files: files.map((f) => `${top}/${f}`), ...(apiError ? {apiError} : {})}
  } finally {
    await rm(staging, {recursive: true, force: true})
  }
}
