// The service proxy of one node (kube-proxy, iptables mode): watches Services and EndpointSlices, rebuilds the wanted rules after any change (rate-limited), and applies what changed in one iptables-restore.
import type {KubeObject} from '../api/types.js'
import type {Service} from '../api/resources/core/service.js'
import {type Clock, realClock} from '../api/clock.js'
import type {ApiClient} from '../client/api-client.js'
import type {Informer} from '../client/informer.js'
import {type InformerFactory, informerFor} from '../client/informer-factory.js'
import {SyncLoop} from '../client/sync-loop.js'
import {type AppliedState, ensureJumps, existingChains, restoreInput, run, runWithInput, stateOf} from './restore.js'
import {buildRules, type ProxyNode} from './rules.js'

/** Dependencies of the proxy; the command runners are injected so tests run without iptables. */
export interface ProxyOptions extends ProxyNode {
  /** A factory whose informers this component shares with others in its process (one watch each); else its own. */
  informers?: InformerFactory
  client: Pick<ApiClient, 'list' | 'watch'>
  clock?: Clock
  log?: (msg: string) => void
  /** Least time between two applies; changes in between are batched (kube-proxy's minSyncPeriod). */
  minSyncMs?: number
  exec?: (cmd: string, args: string[]) => Promise<string>
  restore?: (input: string) => Promise<void>
}

/** Runs the proxy of one node until stopped. */
export class ServiceProxy {
  private readonly clock: Clock
  private readonly log: (msg: string) => void
  private readonly services: Informer<Service>
  private readonly slices: Informer<KubeObject>
  private state: AppliedState | undefined
  private readonly loop: SyncLoop
  /** Applies done and the time of the last one (epoch ms), for health and benchmarks. */
  readonly stats = {syncs: 0, lastApplied: 0, lastChangedChains: 0}

  constructor(private readonly opts: ProxyOptions) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    this.loop = new SyncLoop(this.clock, opts.minSyncMs ?? 100, () => this.sync(), (err) => {
      this.log(`applying rules failed (will retry): ${(err as Error)?.message ?? err}`)
      this.state = undefined
    })
    const infOpts = {clock: this.clock, log: this.log}
    this.services = informerFor<Service>(opts.informers, opts.client, {version: 'v1', resource: 'services'}, infOpts)
    this.slices = informerFor(opts.informers, opts.client, {group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices'}, infOpts)
    const changed = () => this.schedule()
    for (const inf of [this.services, this.slices] as Informer<KubeObject>[]) inf.addHandlers({onAdd: changed, onUpdate: changed, onDelete: changed})
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.services.run(signal), this.slices.run(signal)]
    if (!(await this.services.waitForSync(signal)) || !(await this.slices.waitForSync(signal))) return
    this.schedule()
    await Promise.all(informers)
  }

  /** Asks for a sync (see SyncLoop), once the caches are filled. */
  private schedule(): void {
    if (!this.services.hasSynced() || !this.slices.hasSynced()) return
    this.loop.schedule()
  }

  /** Rebuilds the rules and applies the difference to what is in the kernel. */
  async sync(): Promise<void> {
    const exec = this.opts.exec ?? run
    const first = this.state === undefined
    // After a start or a failure the kernel's content is unknown: every chain of ours there is rewritten or removed.
    this.state ??= await existingChains(exec)
    const rules = buildRules(this.services.list(), this.slices.list(), this.opts)
    const input = restoreInput(this.state, rules)
    if (input) await (this.opts.restore ?? ((i) => runWithInput('iptables-restore', ['-w', '--noflush'], i)))(input)
    if (first) await ensureJumps(exec)
    this.state = stateOf(rules)
    this.stats.syncs++
    this.stats.lastApplied = this.clock.now()
    this.stats.lastChangedChains = (input.match(/^:/gm) ?? []).length
  }
}
