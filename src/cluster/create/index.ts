// `cluster create` as an ordered list of listr2 tasks over one context; a failure removes what was made.
import {Listr, type ListrRendererValue} from 'listr2'
import type {ApiClient} from '../../client/api-client.js'
import {SkiffError} from '../../errors.js'
import {turnedOff} from '../../config/load.js'
import type {ClusterConfig} from '../../config/types.js'
import {ensureNodeImage} from '../image/index.js'
import {contextName, removeFromKubeconfig} from '../kubeconfig.js'
import type {Provider} from '../provider.js'
import {adminClient} from '../api.js'
import {clusterContext, createNetwork, createNode, generateCertificates, preflight, writeKubeconfig} from './actions.js'
import {mark, type CreateContext, type CreateOptions} from './context.js'
import {type GetJSON, waitForApiServer, waitForClusterDNS, waitForNodesReady} from './wait.js'
import {repoRoot} from '../version.js'
import type {NodePlan} from '../plan.js'

/** What `cluster create` returns (and prints with --json). */
export interface CreateResult {
  name: string
  context: string
  kubeconfig: string
  apiServer: string
  /** The Ingress controller's listeners on the host (absent when the Ingress controller is turned off). */
  ingress?: {http: string; https: string}
  /** Built-in components the config turned off. */
  disabled: string[]
  image: string
  imageBuilt: boolean
  securityMode: string
  nodes: {name: string; role: string; ip: string; podCIDR: string}[]
  /** Milliseconds from the start of the command to each milestone. */
  milestones: Record<string, number>
}

/** How progress is shown: animated on a terminal, line by line elsewhere, nothing for --json. */
export type ProgressMode = 'default' | 'simple' | 'silent'

/** Creates a cluster; on failure deletes everything it made unless `retain`. */
export async function createCluster(provider: Provider, config: ClusterConfig, opts: CreateOptions, progress: ProgressMode): Promise<CreateResult> {
  const ctx: CreateContext = {config, opts, provider, startedAt: Date.now(), milestones: {}}
  const deadline = () => ctx.startedAt + opts.timeoutMs
  // Made once the certificates and the port are known; closed when creation ends.
  let client: ApiClient | undefined
  // /readyz answers text ("ok"); everything else the waits read is JSON.
  const get: GetJSON = (path) => (client ??= adminClient(ctx)).request('GET', path, path.startsWith('/readyz') ? {accept: 'text/plain'} : {})
  const controlPlaneLog = async () => {
    const cp = ctx.plan?.controlPlane.name
    return cp ? `last lines of ${cp}'s log:\n${await provider.logs(cp, 15)}` : ''
  }

  // The DNS check starts early and runs beside other steps; a failed create stops it.
  let dns: Promise<void> | undefined
  const stopWaits = new AbortController()
  const tasks = new Listr<CreateContext, ListrRendererValue, ListrRendererValue>(
    [
      {title: 'Checking Docker and the cluster name', task: async () => {
        await preflight(ctx)
        mark(ctx, 'preflight')
      }},
      {
        // The image does not depend on the network; the certificates do (they name the node addresses).
        title: 'Preparing network, node image and certificates',
        task: (_c, task) =>
          task.newListr(
            [
              {title: 'Network and certificates', task: async () => {
                await createNetwork(ctx)
                mark(ctx, 'network')
                await generateCertificates(ctx)
              }},
              {
                title: 'Node image',
                task: async (_c2, sub) => {
                  const res = await ensureNodeImage(provider, {image: config.image, repoRoot: repoRoot(), rebuild: opts.rebuildImage, onProgress: (line) => (sub.output = line)})
                  ctx.image = res.image
                  ctx.imageBuilt = res.built
                  sub.title = `Node image ${res.image}${res.built ? ` (built from ${res.base})` : ''}`
                  ctx.securityMode = await provider.securityMode(res.image)
                  mark(ctx, 'image')
                },
              },
            ],
            {concurrent: true},
          ),
      },
      {
        title: 'Starting nodes',
        task: (_c, task) => {
          task.title = `Starting ${ctx.plan!.nodes.length} nodes (${ctx.securityMode === 'privileged' ? '--privileged' : 'explicit capabilities: --privileged is not available on this engine'})`
          // The control plane goes first: its boot (etcd, apiserver) is the longest path, and three container starts
          // at once share the engine's time; the workers' shorter boots then overlap the apiserver's.
          const start = (n: NodePlan) => createNode(ctx, n).then(() => mark(ctx, `started:${n.name}`))
          const cp = ctx.plan!.controlPlane
          const cpStarted = start(cp)
          // Its failure is reported by its own task; a worker only waits for it.
          const cpDone = cpStarted.catch(() => undefined)
          return task.newListr(
            ctx.plan!.nodes.map((n) => ({title: `${n.name} (${n.role}, ${n.ip})`, task: () => (n === cp ? cpStarted : cpDone.then(() => start(n)))})),
            {concurrent: true, exitOnError: true},
          )
        },
      },
      {
        title: 'Waiting for the control plane',
        task: async () => {
          // Cluster DNS is checked alongside the rest (a cluster whose pods cannot resolve names is not ready for
          // them), asked from the control plane from now on so the exec and its Node.js start overlap the boot.
          // Turned off, nothing answers until the user installs their own, so there is nothing to wait for.
          if (opts.wait && config.components.dns) {
            dns = waitForClusterDNS(provider, ctx.plan!.controlPlane.name, config.networking.serviceSubnet, {deadline: deadline(), onTimeout: controlPlaneLog, signal: stopWaits.signal}).then(() => mark(ctx, 'dnsReady'))
            dns.catch(() => undefined)
          }
          await waitForApiServer(get, {deadline: deadline(), onTimeout: controlPlaneLog})
          mark(ctx, 'apiReady')
          await writeKubeconfig(ctx)
        },
      },
      {
        title: 'Waiting for nodes to be Ready',
        enabled: () => opts.wait,
        task: async (_c, task) => {
          await waitForNodesReady(get, ctx.plan!.nodes.map((n) => n.name), {deadline: deadline(), onTimeout: controlPlaneLog})
          mark(ctx, 'nodesReady')
          await dns
          task.title = `All ${ctx.plan!.nodes.length} nodes Ready${config.components.dns ? ', cluster DNS answering' : ' (cluster DNS turned off)'}`
        },
      },
    ],
    {renderer: progress, fallbackRenderer: 'simple', exitOnError: true, rendererOptions: {collapseSubtasks: false}},
  )

  try {
    await tasks.run(ctx)
  } catch (err) {
    stopWaits.abort()
    client?.close()
    if (ctx.madeSomething && !opts.retain) {
      await provider.deleteCluster(config.name).catch(() => undefined)
      await removeFromKubeconfig(opts.kubeconfigPath, config.name).catch(() => undefined)
    }
    if (err instanceof SkiffError) {
      if (ctx.madeSomething) {
        err.suggestions.push(opts.retain ? `The failed cluster was kept (--retain); remove it with \`skiff cluster delete ${config.name}\`.` : 'Everything this command made was removed (use --retain to keep it for debugging).')
      }
      throw err
    }
    throw new SkiffError(`creating cluster "${config.name}" failed: ${(err as Error).message}`, {
      cause: err,
      suggestions: [ctx.madeSomething && !opts.retain ? 'Everything this command made was removed; rerun with --retain to keep it for debugging.' : 'Rerun the command; add --retain to keep a failed cluster for debugging.'],
    })
  }
  client?.close()
  mark(ctx, 'done')
  const plan = ctx.plan!
  return {
    name: config.name,
    context: clusterContext(ctx),
    kubeconfig: opts.kubeconfigPath,
    apiServer: `https://${config.networking.apiServerAddress}:${ctx.apiServerPort}`,
    ...(ctx.ingressPorts ? {ingress: {http: `http://${config.networking.apiServerAddress}:${ctx.ingressPorts.http}`, https: `https://${config.networking.apiServerAddress}:${ctx.ingressPorts.https}`}} : {}),
    disabled: turnedOff(config),
    image: ctx.image!,
    imageBuilt: ctx.imageBuilt ?? false,
    securityMode: ctx.securityMode!,
    nodes: plan.nodes.map((n) => ({name: n.name, role: n.role, ip: n.ip, podCIDR: n.podCIDR})),
    milestones: ctx.milestones,
  }
}

export {contextName}
