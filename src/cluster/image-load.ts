// `image load`: copies images from the host Docker (or an archive) into each node's containerd (the k8s.io namespace its CRI serves pods from).
import {createHash} from 'node:crypto'
import {createReadStream, createWriteStream} from 'node:fs'
import {mkdtemp, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pipeline} from 'node:stream/promises'
import {Listr} from 'listr2'
import {SkiffError} from '../errors.js'
import type {ProgressMode} from './create/index.js'
import type {Provider} from './provider.js'
import {NodeFiles} from '../api/contract.js'

/** containerd namespace the nodes' CRI keeps images and containers in. */
const CRI_NAMESPACE = 'k8s.io'

/** What happened on one node. */
export interface NodeLoadResult {
  node: string
  loaded: boolean
  /** Why nothing was copied, when it was skipped. */
  skipped?: string
  ms: number
}

/** Result of one `image load`. */
export interface LoadResult {
  cluster: string
  images: string[]
  archive?: string
  nodes: NodeLoadResult[]
}

// Records, per node, which host image ID was loaded last, so an unchanged image is not copied again.
// The inner image ID differs from the host's when the host uses the containerd image store, so the
// host ID is what is compared.
const MARKER_DIR = '/var/lib/skiff/images'
/** Splits the answers of the one-exec presence check. */
const SEPARATOR = '--skiff-marker--'

function markerKey(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_')
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256')
  await pipeline(createReadStream(path), h)
  return `sha256:${h.digest('hex')}`
}

/** Loads images or an archive into the nodes of a cluster, concurrently, skipping nodes that have them. */
export async function loadImages(provider: Provider, opts: {cluster: string; images: string[]; archive?: string; nodes?: string[]}, progress: ProgressMode): Promise<LoadResult> {
  await provider.ping()
  if (opts.images.length === 0 && !opts.archive) throw new SkiffError('name at least one image, or --archive FILE.tar', {exitCode: 2})
  const cluster = await provider.getCluster(opts.cluster)
  if (!cluster) throw new SkiffError(`cluster "${opts.cluster}" does not exist`, {exitCode: 4, suggestions: ['See `skiff cluster list`, or pass --name CLUSTER.']})
  let nodes = cluster.nodes
  if (opts.nodes?.length) {
    const unknown = opts.nodes.filter((n) => !nodes.some((x) => x.name === n))
    if (unknown.length) throw new SkiffError(`no node ${unknown.join(', ')} in cluster "${opts.cluster}" (nodes: ${nodes.map((n) => n.name).join(', ')})`, {exitCode: 2})
    nodes = nodes.filter((n) => opts.nodes!.includes(n.name))
  }
  const notRunning = nodes.filter((n) => n.state !== 'running')
  if (notRunning.length) throw new SkiffError(`node(s) ${notRunning.map((n) => n.name).join(', ')} are not running`, {exitCode: 4})

  // The identity of what is loaded: host image IDs, or the archive's digest.
  let ids: Record<string, string>
  if (opts.archive) {
    await stat(opts.archive).catch(() => {
      throw new SkiffError(`archive ${opts.archive} not found`, {exitCode: 2})
    })
    ids = {[`archive-${opts.archive}`]: await sha256File(opts.archive)}
  } else {
    ids = {}
    for (const name of opts.images) {
      const id = await provider.imageID(name).catch(() => undefined)
      if (!id) throw new SkiffError(`image "${name}" is not on the host Docker`, {exitCode: 2, suggestions: [`Build or pull it first (docker build -t ${name} .), then load it.`]})
      ids[name] = id
    }
  }

  const dir = await mkdtemp(join(tmpdir(), 'skiff-images-'))
  let tarPath = opts.archive
  const results: NodeLoadResult[] = []
  try {
    const needs = await Promise.all(nodes.map(async (n) => ({node: n.name, missing: await missingOn(provider, n.name, ids, opts.images)})))
    if (!tarPath && needs.some((x) => x.missing.length > 0)) {
      // One `docker save` on the host for all nodes, streamed to each node from a temp file.
      tarPath = join(dir, 'images.tar')
      const save = await provider.saveImages(opts.images)
      await pipeline(save, createWriteStream(tarPath))
    }
    const tasks = new Listr(
      needs.map(({node, missing}) => ({
        title: node,
        task: async (_c, task) => {
          const t0 = Date.now()
          if (missing.length === 0) {
            task.title = `${node}: already has ${Object.keys(ids).join(', ')}`
            results.push({node, loaded: false, skipped: 'same image ID already present', ms: 0})
            return
          }
          await loadInto(provider, node, tarPath!, ids)
          results.push({node, loaded: true, ms: Date.now() - t0})
          task.title = `${node}: loaded in ${((Date.now() - t0) / 1000).toFixed(1)}s`
        },
      })),
      {concurrent: true, exitOnError: false, renderer: progress, fallbackRenderer: 'simple'},
    )
    await tasks.run()
    if (tasks.errors.length) throw new SkiffError(`loading failed on some nodes: ${tasks.errors.map((e) => e.message).join('; ')}`)
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
  results.sort((a, b) => a.node.localeCompare(b.node, 'en', {numeric: true}))
  return {cluster: opts.cluster, images: opts.images, ...(opts.archive ? {archive: opts.archive} : {}), nodes: results}
}

/**
 * The name containerd stores an image under, as the CRI resolves a pod's `image:` (Docker Hub's defaults):
 * `busybox` → `docker.io/library/busybox:latest`, `skiff/app:1` → `docker.io/skiff/app:1`.
 */
export function normalizeImageName(ref: string): string {
  let name = ref
  const slash = name.indexOf('/')
  const first = slash < 0 ? '' : name.slice(0, slash)
  if (slash < 0) name = `docker.io/library/${name}`
  else if (!first.includes('.') && !first.includes(':') && first !== 'localhost') name = `docker.io/${name}`
  const last = name.slice(name.lastIndexOf('/') + 1)
  if (!last.includes(':') && !name.includes('@')) name += ':latest'
  return name
}

/** Which of the wanted images a node lacks (by marker and by presence in its containerd), asked in one exec. */
async function missingOn(provider: Provider, node: string, ids: Record<string, string>, images: string[]): Promise<string[]> {
  const keys = Object.keys(ids)
  // Each docker exec costs about a tenth of a second: the image list and every marker come back in one call.
  const markers = keys.map((k) => `echo "${SEPARATOR}"; cat ${MARKER_DIR}/${markerKey(k)} 2>/dev/null`).join('; ')
  const res = await provider.exec(node, ['sh', '-c', `ctr -n ${CRI_NAMESPACE} images ls -q; ${markers}`])
  const [listed = '', ...found] = res.stdout.split(`${SEPARATOR}\n`)
  const present = new Set(listed.split('\n').map((l) => l.trim()))
  return keys.filter((key, i) => (found[i] ?? '').trim() !== ids[key] || (images.includes(key) && !present.has(normalizeImageName(key))))
}

/** Streams a `docker save` tar into `ctr images import` inside the node (unpacked for the CRI's snapshotter), then records the loaded IDs. */
async function loadInto(provider: Provider, node: string, tarPath: string, ids: Record<string, string>): Promise<void> {
  const record = Object.entries(ids).map(([k, v]) => `echo '${v}' > ${MARKER_DIR}/${markerKey(k)}`).join(' && ')
  const script = `ctr -n ${CRI_NAMESPACE} images import --snapshotter "$(cat ${NodeFiles.snapshotter} 2>/dev/null || echo overlayfs)" - && mkdir -p ${MARKER_DIR} && ${record}`
  const res = await provider.exec(node, ['sh', '-c', script], {stdin: createReadStream(tarPath)})
  if (res.exitCode !== 0) throw new Error(`image import in ${node} failed (exit ${res.exitCode}): ${(res.stdout + res.stderr).trim()}`)
}
