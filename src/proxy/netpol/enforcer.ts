// NetworkPolicy enforcement on one node: watches policies, pods and namespaces and keeps the filter chains of the node's pods in step, by diffed iptables-restore batches.
import {readFile, writeFile} from 'node:fs/promises'
import type {KubeObject} from '../../api/types.js'
import type {Pod} from '../../api/types/workloads.js'
import type {NetworkPolicy} from '../../api/resources/networking/networkpolicy.js'
import {type Clock, realClock} from '../../api/clock.js'
import {podGateway} from '../../api/contract.js'
import type {ApiClient} from '../../client/api-client.js'
import {Informer} from '../../client/informer.js'
import {SyncLoop} from '../../client/sync-loop.js'
import {type AppliedState, ensureJumps, existingChains, restoreInput, run, runWithInput, stateOf} from '../restore.js'
import {buildPolicyRules, NP_FORWARD, NP_PREFIX} from './rules.js'

/** Reads and writes /proc/sys files (injected so tests touch no kernel setting). */
export interface Sysctl {
  read(path: string): Promise<string>
  write(path: string, value: string): Promise<void>
}

/** Options of the enforcer; the command runners and sysctl access are injected so tests run without iptables. */
export interface PolicyEnforcerOptions {
  client: Pick<ApiClient, 'list' | 'watch'>
  nodeName: string
  /** The node's address; with the pod bridge's gateway (from podCIDR), traffic from it to the node's pods always passes. */
  nodeIP?: string
  /** The node's pod range, e.g. 10.244.1.0/24. */
  podCIDR?: string
  clock?: Clock
  log?: (msg: string) => void
  /** Least time between two applies; changes in between are batched (as the service proxy's). */
  minSyncMs?: number
  exec?: (cmd: string, args: string[]) => Promise<string>
  restore?: (input: string) => Promise<void>
  sysctl?: Sysctl
}

/** The one jump into the enforcer's chains, first in FORWARD, so it sees pod traffic before the node's ACCEPT rules. */
export const POLICY_JUMPS = [{table: 'filter', chain: 'FORWARD', rule: ['-m', 'comment', '--comment', 'skiff network policies', '-j', NP_FORWARD]}]
/** br_netfilter's switch: bridged frames (pod to pod on one node) pass iptables only when it is 1 in the node's netns. */
export const BRIDGE_NF_CALL_IPTABLES = '/proc/sys/net/bridge/bridge-nf-call-iptables'


const procSysctl: Sysctl = {read: (p) => readFile(p, 'utf8'), write: (p, v) => writeFile(p, v)}

/** Enforces the NetworkPolicies of the pods on one node until stopped. */
export class PolicyEnforcer {
  private readonly clock: Clock
  private readonly log: (msg: string) => void
  private readonly policies: Informer<NetworkPolicy>
  private readonly pods: Informer<Pod>
  private readonly namespaces: Informer<KubeObject>
  private readonly hostAddresses: string[]
  private state: AppliedState | undefined
  private readonly loop: SyncLoop
  /** Applies done, the time of the last one (epoch ms) and how many chains it rewrote, for health and benchmarks. */
  readonly stats = {syncs: 0, lastApplied: 0, lastChangedChains: 0, bridgeFiltering: false}

  constructor(private readonly opts: PolicyEnforcerOptions) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    this.loop = new SyncLoop(this.clock, opts.minSyncMs ?? 100, () => this.sync(), (err) => {
      this.log(`applying network policy rules failed (will retry): ${(err as Error)?.message ?? err}`)
      this.state = undefined
    })
    const inf = {clock: this.clock, log: this.log}
    this.policies = new Informer<NetworkPolicy>(opts.client, {group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies'}, inf)
    this.pods = new Informer<Pod>(opts.client, {version: 'v1', resource: 'pods'}, inf)
    this.namespaces = new Informer(opts.client, {version: 'v1', resource: 'namespaces'}, inf)
    // The node itself (its address, and its pod bridge's, from which it reaches its pods) is always let through.
    let gateway: string | undefined
    try {
      gateway = opts.podCIDR ? podGateway(opts.podCIDR) : undefined
    } catch {
      gateway = undefined
    }
    this.hostAddresses = [opts.nodeIP, gateway].filter((a): a is string => Boolean(a))
    const changed = () => this.schedule()
    for (const i of this.informers()) i.addHandlers({onAdd: changed, onUpdate: changed, onDelete: changed})
  }

  private informers(): Informer<KubeObject>[] {
    return [this.policies, this.pods, this.namespaces] as Informer<KubeObject>[]
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.enableBridgeFiltering()
    const runs = this.informers().map((i) => i.run(signal))
    for (const i of this.informers()) if (!(await i.waitForSync(signal))) return
    this.schedule()
    await Promise.all(runs)
  }

  /** Turns br_netfilter's iptables hook on in the node's netns when it is off, so pods on the same node are filtered too. */
  async enableBridgeFiltering(): Promise<void> {
    const sysctl = this.opts.sysctl ?? procSysctl
    const now = await sysctl.read(BRIDGE_NF_CALL_IPTABLES).then((s) => s.trim(), () => '')
    if (now === '1') {
      this.stats.bridgeFiltering = true
      return
    }
    try {
      await sysctl.write(BRIDGE_NF_CALL_IPTABLES, '1')
      this.stats.bridgeFiltering = true
    } catch (err) {
      const why = (err as NodeJS.ErrnoException)?.code ?? String(err)
      this.log(`warning: cannot set ${BRIDGE_NF_CALL_IPTABLES} to 1 (${why}; is br_netfilter loaded on the host?): network policies will not filter traffic between pods on the same node`)
    }
  }

  /** Asks for a sync (see SyncLoop), once the caches are filled. */
  private schedule(): void {
    if (!this.informers().every((i) => i.hasSynced())) return
    this.loop.schedule()
  }

  /** Rebuilds the chains and applies what changed since the last apply. */
  async sync(): Promise<void> {
    const exec = this.opts.exec ?? run
    const first = this.state === undefined
    // After a start or a failure the kernel's content is unknown: every chain of ours there is rewritten or removed.
    this.state ??= await existingChains(exec, NP_PREFIX)
    const filter = buildPolicyRules(this.policies.list(), this.pods.list(), this.namespaces.list(), this.opts.nodeName, this.hostAddresses)
    const rules = {nat: new Map<string, string[]>(), filter}
    const input = restoreInput(this.state, rules)
    if (input) await (this.opts.restore ?? ((i) => runWithInput('iptables-restore', ['-w', '--noflush'], i)))(input)
    // After the chains exist: a jump to a missing chain is refused.
    if (first) await ensureJumps(exec, POLICY_JUMPS)
    this.state = stateOf(rules)
    this.stats.syncs++
    this.stats.lastApplied = this.clock.now()
    this.stats.lastChangedChains = (input.match(/^:/gm) ?? []).length
  }
}
