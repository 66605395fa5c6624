// The slow cluster operations as listr2 task lists: node add and remove, cluster stop and start.
import {Listr, type ListrRendererValue} from 'listr2'
import type {ApiClient} from '../../client/api-client.js'
import {ApiError} from '../../client/errors.js'
import {SkiffError} from '../../errors.js'
import type {ProgressMode} from '../create/index.js'
import {pollUntil, waitForApiServer, waitForNodesReady, type GetJSON} from '../create/wait.js'
import type {Node} from '../../api/types/cluster.js'
import {loadBalancerName} from '../../api/contract.js'
import {adminApi, type Engine, findCluster} from './access.js'
import {type AddRequest, planJoin} from './add.js'
import {cordon, drain} from './drain.js'

/** Runs tasks with the renderer for the progress mode. */
async function runTasks<C>(tasks: {title: string; task: (ctx: C, t: {title: string; output: string}) => Promise<void>}[], ctx: C, progress: ProgressMode): Promise<void> {
  const list = new Listr<C, ListrRendererValue, ListrRendererValue>(
    tasks.map((t) => ({title: t.title, task: (c, task) => t.task(c, task as unknown as {title: string; output: string})})),
    {renderer: progress, fallbackRenderer: 'simple', exitOnError: true},
  )
  await list.run(ctx)
}

const getter = (api: ApiClient): GetJSON => (path) => api.request('GET', path, path.startsWith('/readyz') ? {accept: 'text/plain'} : {})

/** What `node add` returns. */
export interface AddResult {
  cluster: string
  name: string
  ip: string
  podCIDR: string
  cpus?: number
  memory?: number
  ready: boolean
}

/** Adds one worker to a running cluster and (with wait) waits until it is Ready; a failed start removes the container. */
export async function addNode(engine: Engine, cluster: string, req: AddRequest, opts: {wait: boolean; timeoutMs: number; progress: ProgressMode}): Promise<AddResult> {
  const deadline = Date.now() + opts.timeoutMs
  const found = await findCluster(engine, cluster)
  const api = await adminApi(engine, found)
  const ctx: {result?: AddResult} = {}
  try {
    await runTasks<typeof ctx>(
      [
        {title: 'Planning the node (address, pod range, certificate from the cluster CA)', task: async (c, t) => {
          const {plan, runtime, privileged} = await planJoin(engine, api, found, req)
          t.title = `Starting ${plan.name} (${plan.ip}, pods ${plan.podCIDR}${plan.cpus !== undefined ? `, ${plan.cpus} CPU` : ''}${plan.memory !== undefined ? `, ${Math.round(plan.memory / 2 ** 20)}Mi` : ''})`
          c.result = {cluster, name: plan.name, ip: plan.ip, podCIDR: plan.podCIDR, ...(plan.cpus !== undefined ? {cpus: plan.cpus} : {}), ...(plan.memory !== undefined ? {memory: plan.memory} : {}), ready: false}
          try {
            await engine.createNode(plan, runtime, privileged ? 'privileged' : 'capabilities')
          } catch (err) {
            await engine.removeNode(plan.name).catch(() => undefined)
            throw err
          }
        }},
        ...(opts.wait
          ? [{title: 'Waiting for the node to be Ready', task: async (c: typeof ctx, t: {title: string}) => {
              await waitForNodesReady(getter(api), [c.result!.name], {deadline, onTimeout: async () => `last lines of ${c.result!.name}'s log:\n${await engine.logs(c.result!.name, 15)}`})
              c.result!.ready = true
              t.title = `${c.result!.name} is Ready`
            }}]
          : []),
      ],
      ctx,
      opts.progress,
    )
  } finally {
    api.close()
  }
  return ctx.result!
}

/** What `node remove` returns. */
export interface RemoveResult {
  cluster: string
  name: string
  evicted: string[]
}

/** Cordons and drains a worker, deletes its Node, then its container and volumes. */
export async function removeNode(engine: Engine, cluster: string, name: string, opts: {timeoutMs: number; progress: ProgressMode; force?: boolean}): Promise<RemoveResult> {
  const deadline = Date.now() + opts.timeoutMs
  const found = await findCluster(engine, cluster)
  const node = found.info.nodes.find((n) => n.name === name)
  if (!node) throw new SkiffError(`cluster "${cluster}" has no node ${name}`, {exitCode: 4, suggestions: [`Its nodes: ${found.info.nodes.map((n) => n.name).join(', ')}.`]})
  if (node.role === 'control-plane') throw new SkiffError(`${name} is the control plane: it cannot be removed`, {exitCode: 2, suggestions: [`Delete the whole cluster with \`skiff cluster delete ${cluster}\`.`]})
  const api = await adminApi(engine, found)
  const result: RemoveResult = {cluster, name, evicted: []}
  try {
    await runTasks<RemoveResult>(
      [
        {title: `Cordoning ${name}`, task: async () => {
          await cordon(api, name).catch((err) => {
            if (!(err instanceof ApiError && err.code === 404)) throw err
          })
        }},
        {title: `Draining ${name} (evictions honour PodDisruptionBudgets)`, task: async (r, t) => {
          r.evicted = (await drain(api, name, {deadline, force: opts.force, onProgress: (m) => (t.output = m)})).evicted
          t.title = `Drained ${name}: ${r.evicted.length} pod(s) evicted`
        }},
        {title: `Deleting Node ${name}, its container and volumes`, task: async () => {
          await api.delete({version: 'v1', resource: 'nodes', name}).catch((err) => {
            if (!(err instanceof ApiError && err.code === 404)) throw err
          })
          await engine.removeNode(name)
        }},
      ],
      result,
      opts.progress,
    )
  } finally {
    api.close()
  }
  return result
}

/** What `cluster stop` and `cluster start` return. */
export interface LifecycleResult {
  cluster: string
  nodes: {name: string; ip?: string; state: string}[]
  ready?: boolean
}

/** Stops every node container: workers first, the control plane last (so agents do not report into a gone API). */
export async function stopCluster(engine: Engine, cluster: string, opts: {timeoutSeconds: number; progress: ProgressMode}): Promise<LifecycleResult> {
  const found = await findCluster(engine, cluster)
  const workers = found.info.nodes.filter((n) => n.role !== 'control-plane')
  await runTasks<object>(
    [
      // The host side first: a stopped cluster leaves nothing listening on the host's ports. The cloud controller
      // makes the container again when the control plane is back.
      {title: 'Stopping the load balancer', task: () => engine.stopNode(loadBalancerName(cluster), 1)},
      {title: `Stopping ${workers.length} worker(s)`, task: async () => {
        await Promise.all(workers.map((n) => engine.stopNode(n.name, opts.timeoutSeconds)))
      }},
      {title: `Stopping ${found.controlPlane.name}`, task: () => engine.stopNode(found.controlPlane.name, opts.timeoutSeconds)},
    ],
    {},
    opts.progress,
  )
  const after = await findCluster(engine, cluster)
  return {cluster, nodes: after.info.nodes.map((n) => ({name: n.name, state: n.state}))}
}

/** Starts every node container (control plane first) on its fixed address and, with wait, waits until every Node is Ready. */
export async function startCluster(engine: Engine, cluster: string, opts: {wait: boolean; timeoutMs: number; progress: ProgressMode}): Promise<LifecycleResult> {
  const startedAt = Date.now()
  const deadline = startedAt + opts.timeoutMs
  const found = await findCluster(engine, cluster)
  const workers = found.info.nodes.filter((n) => n.role !== 'control-plane')
  let api: ApiClient | undefined
  const result: LifecycleResult = {cluster, nodes: []}
  const cpLog = async () => `last lines of ${found.controlPlane.name}'s log:\n${await engine.logs(found.controlPlane.name, 15)}`
  try {
    await runTasks<LifecycleResult>(
      [
        {title: `Starting ${found.controlPlane.name}`, task: () => engine.startNode(found.controlPlane.name)},
        {title: `Starting ${workers.length} worker(s)`, task: async () => {
          await Promise.all(workers.map((n) => engine.startNode(n.name)))
        }},
        ...(opts.wait
          ? [
              {title: 'Waiting for the control plane', task: async () => {
                api = await adminApi(engine, await findCluster(engine, cluster), 2000)
                await waitForApiServer(getter(api), {deadline, onTimeout: cpLog})
              }},
              {title: `Waiting for ${found.info.nodes.length} nodes to be Ready`, task: async (r: LifecycleResult, t: {title: string}) => {
                // A Ready condition written before the stop would still read True: only a heartbeat since the start counts.
                await waitForFreshReady(api!, found.info.nodes.map((n) => n.name), startedAt, {deadline, onTimeout: cpLog})
                r.ready = true
                t.title = `All ${found.info.nodes.length} nodes Ready`
              }},
            ]
          : []),
      ],
      result,
      opts.progress,
    )
  } finally {
    api?.close()
  }
  const after = await findCluster(engine, cluster)
  result.nodes = after.info.nodes.map((n) => ({name: n.name, ip: n.ip, state: n.state}))
  return result
}

/** Waits until every named Node is Ready with a heartbeat at or after `since` (heartbeats have second precision). */
export async function waitForFreshReady(api: ApiClient, names: string[], since: number, opts: {deadline: number; onTimeout?: () => Promise<string>}): Promise<void> {
  await pollUntil(
    async () => {
      const nodes = (await api.list<Node>({version: 'v1', resource: 'nodes'})).items
      const fresh = (n: Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True' && Date.parse(c.lastHeartbeatTime ?? '') >= since - 1000)
      return names.every((name) => nodes.some((n) => n.metadata.name === name && fresh(n))) ? true : undefined
    },
    {deadline: opts.deadline, intervalMs: 250, what: `nodes ${names.join(', ')} to be Ready again`, onTimeout: opts.onTimeout},
  )
}
