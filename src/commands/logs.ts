// `skiff logs`: prints (and follows) the logs of a pod's containers, of a workload's pod, or of every pod a selector picks.
import {createInterface} from 'node:readline'
import {Args, Flags} from '@oclif/core'
import {parseDuration} from '../cli/base.js'
import {KubeCommand, kubeFlags} from '../cli/kube/command.js'
import {fetchObjects, watchEvents} from '../cli/kube/fetch.js'
import {resourcePath} from '../cli/kube/resolve.js'
import {ApiError, type KubeObject, type ResourceInfo} from '../cli/kube/types.js'
import {pickContainer, podSelector} from '../cli/kube/workloads.js'
import {SkiffError} from '../errors.js'

const pods: ResourceInfo = {group: '', version: 'v1', resource: 'pods', singular: 'pod', kind: 'Pod', namespaced: true, shortNames: [], categories: [], verbs: [], subresources: []}

export default class Logs extends KubeCommand {
  static override summary = 'Print the logs of a container in a pod, a workload\'s pod, or the pods a selector picks.'
  static override examples = [
    '<%= config.bin %> logs web-7d4b9c-x2x8z',
    '<%= config.bin %> logs -f deploy/web',
    '<%= config.bin %> logs -l app=web --all-containers --prefix --tail 20',
    '<%= config.bin %> logs web-0 -c sidecar --previous --since 10m --timestamps',
  ]
  static override args = {target: Args.string({description: 'POD or TYPE/NAME (omit with -l)'})}
  static override flags = {
    ...kubeFlags,
    container: Flags.string({char: 'c', description: 'container name [default: the default-container annotation, else the first]'}),
    follow: Flags.boolean({char: 'f', description: 'keep streaming new lines'}),
    tail: Flags.integer({description: 'lines of recent log to show (-1: all)', default: -1}),
    since: Flags.string({description: 'only lines newer than this (e.g. 5s, 2m, 3h)'}),
    previous: Flags.boolean({char: 'p', description: 'the previous, terminated instance of the container'}),
    timestamps: Flags.boolean({description: 'prefix each line with its RFC 3339 timestamp'}),
    selector: Flags.string({char: 'l', description: 'label selector: logs of every matching pod'}),
    'all-containers': Flags.boolean({description: 'every container of the pod(s)'}),
    prefix: Flags.boolean({description: 'prefix each line with [pod/NAME/CONTAINER]'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Logs)
    const client = await this.client(flags)
    let chosen: KubeObject[]
    if (flags.selector) {
      chosen = (await fetchObjects(client, pods, {namespace: client.namespace, names: [], labelSelector: flags.selector})).result
      if (!chosen.length) throw new SkiffError(`no pods match ${flags.selector} in namespace ${client.namespace}`, {exitCode: 1})
    } else {
      if (!args.target) throw new SkiffError('give a POD, TYPE/NAME or -l SELECTOR', {exitCode: 2})
      chosen = [await this.podFor(args.target)]
    }
    const query = {
      follow: flags.follow || undefined,
      tailLines: flags.tail >= 0 ? flags.tail : undefined,
      sinceSeconds: flags.since ? Math.max(1, Math.round(parseDuration(flags.since) / 1000)) : undefined,
      previous: flags.previous || undefined,
      timestamps: flags.timestamps || undefined,
    }
    const started = new Set<string>()
    const streamsOf = (pod: KubeObject) => {
      const names = flags['all-containers'] ? ((pod.spec as {containers?: Array<{name: string}>}).containers ?? []).map((c) => c.name) : [pickContainer(pod, flags.container)]
      return names.map((container) => ({pod: pod.metadata?.name ?? '', container})).filter((s) => !started.has(`${s.pod}/${s.container}`))
    }
    // Several streams are read together and written a whole line at a time, so lines of different containers never mix.
    const follow = async (s: {pod: string; container: string}) => {
      started.add(`${s.pod}/${s.container}`)
      const res = await client.open('GET', resourcePath(pods, client.namespace, s.pod, 'log'), {accept: '*/*', query: {...query, container: s.container}})
      if ((res.statusCode ?? 0) >= 300) {
        let text = ''
        for await (const c of res) text += c
        throw ApiError.fromResponse(res.statusCode ?? 0, text)
      }
      const tag = flags.prefix ? `[pod/${s.pod}/${s.container}] ` : ''
      for await (const line of createInterface({input: res, crlfDelay: Infinity})) process.stdout.write(`${tag}${line}\n`)
    }
    // With a selector one pod's failure (one that is just terminating, say) is reported and the others go on.
    const tolerant = (s: {pod: string; container: string}) => follow(s).catch((err: unknown) => {
      if (!flags.selector) throw err
      this.logToStderr(`error: pod/${s.pod}/${s.container}: ${err instanceof ApiError ? err.describe() : (err as Error).message}`)
    })
    const running = chosen.flatMap(streamsOf).map(tolerant)
    if (flags.follow && flags.selector) running.push(this.followNewPods(flags.selector, (pod) => Promise.all(streamsOf(pod).map(tolerant)).then(() => undefined)))
    await Promise.all(running)
  }

  /** While following by selector, starts on each pod that comes to run after the command began (a rollout's new pods). */
  private async followNewPods(selector: string, start: (pod: KubeObject) => Promise<void>): Promise<void> {
    const client = await this.client({})
    const list = await client.get(resourcePath(pods, client.namespace), {query: {labelSelector: selector, limit: 1}})
    const pending: Promise<void>[] = []
    for await (const ev of watchEvents(client, pods, {namespace: client.namespace, names: [], labelSelector: selector}, {resourceVersion: list.metadata?.resourceVersion})) {
      const phase = (ev.object.status as {phase?: string} | undefined)?.phase
      if ((ev.type === 'ADDED' || ev.type === 'MODIFIED') && phase === 'Running') pending.push(start(ev.object).catch(() => undefined))
    }
    await Promise.all(pending)
  }

  /** The pod a POD or TYPE/NAME argument means: a workload's first running pod, as kubectl chooses one. */
  private async podFor(target: string): Promise<KubeObject> {
    const client = await this.client({})
    if (!target.includes('/')) return client.get(resourcePath(pods, client.namespace, target))
    const {r, obj} = await this.oneObject([target])
    if (r.kind === 'Pod') return obj
    const candidates = (await fetchObjects(client, pods, {namespace: client.namespace, names: [], labelSelector: podSelector(obj)})).result
    if (!candidates.length) throw new SkiffError(`no pods found for ${target}`, {exitCode: 1})
    const rank = (p: KubeObject) => ((p.status as {phase?: string} | undefined)?.phase === 'Running' ? 0 : 1)
    candidates.sort((a, b) => rank(a) - rank(b) || String(b.metadata?.creationTimestamp).localeCompare(String(a.metadata?.creationTimestamp)))
    if (candidates.length > 1) this.logToStderr(`Found ${candidates.length} pods, using pod/${candidates[0].metadata?.name}`)
    return candidates[0]
  }
}
