// NetworkPolicy enforcement on one node: watches policies, pods and namespaces and keeps the filter chains of the node's pods in step, by diffed iptables-restore batches.
import {readFile, writeFile} from 'node:fs/promises'
import type {KubeObject} from '../../api/types.js'
import type {Pod} from '../../api/types/workloads.js'
import type {NetworkPolicy} from '../../api/resources/networking/networkpolicy.js'
import {type Clock, realClock} from '../../api/clock.js'
import type {ApiClient} from '../../client/api-client.js'
import {Informer} from '../../client/informer.js'
import {type AppliedState, ensureJumps, existingChains, restoreInput, run, runWithInput, stateOf} from '../restore.js'
import {buildPolicyRules, NP_FORWARD} from './rules.js'

/** Options of the enforcer; the command runners are injected so tests run without iptables. */
export interface PolicyEnforcerOptions {
  client: Pick<ApiClient, 'list' | 'watch'>
  nodeName: string
  clock?: Clock
  log?: (msg: string) => void
  exec?: (cmd: string, args: string[]) => Promise<string>
  restore?: (input: string) => Promise<void>
  /** Makes bridged pod-to-pod traffic pass iptables (br_netfilter); a no-op in tests. */
  enableBridgeFiltering?: () => Promise<void>
}

const JUMP = [{table: 'filter', chain: 'FORWARD', rule: ['-m', 'comment', '--comment', 'skiff network policies', '-j', NP_FORWARD]}]
const BRIDGE_SYSCTL = '/proc/sys/net/bridge/bridge-nf-call-iptables'

/** Turns on iptables for bridged traffic in the node's network namespace, so pods on one node are filtered too. */
async function bridgeFiltering(log: (msg: string) => void): Promise<void> {
  const now = (await readFile(BRIDGE_SYSCTL, 'utf8').catch(() => '')).trim()
  if (now === '1') return
  await writeFile(BRIDGE_SYSCTL, '1').catch((err) => log(`cannot enable ${BRIDGE_SYSCTL} (${err.code ?? err}): policies apply only between nodes`))
}

/** Runs until stopped. */
export class PolicyEnforcer {
  private readonly clock: Clock
  private readonly log: (msg: string) => void
  private readonly policies: Informer<NetworkPolicy>
  private readonly pods: Informer<Pod>
  private readonly namespaces: Informer<KubeObject>
  private state: AppliedState | undefined
  private timer = false
  private running: Promise<void> = Promise.resolve()
  readonly stats = {syncs: 0, lastChangedChains: 0}

  constructor(private readonly opts: PolicyEnforcerOptions) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    const inf = {clock: this.clock, log: this.log}
    this.policies = new Informer<NetworkPolicy>(opts.client, {group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies'}, inf)
    this.pods = new Informer<Pod>(opts.client, {version: 'v1', resource: 'pods'}, inf)
    this.namespaces = new Informer(opts.client, {version: 'v1', resource: 'namespaces'}, inf)
    const changed = () => this.schedule()
    for (const i of this.all()) i.addHandlers({onAdd: changed, onUpdate: changed, onDelete: changed})
  }

  private all(): Informer<KubeObject>[] {
    return [this.policies, this.pods, this.namespaces] as Informer<KubeObject>[]
  }

  async run(signal: AbortSignal): Promise<void> {
    await (this.opts.enableBridgeFiltering ?? (() => bridgeFiltering(this.log)))()
    const runs = this.all().map((i) => i.run(signal))
    for (const i of this.all()) if (!(await i.waitForSync(signal))) return
    this.schedule()
    await Promise.all(runs)
  }

  private schedule(delay = 50): void {
    if (this.timer || !this.all().every((i) => i.hasSynced())) return
    this.timer = true
    this.clock.setTimer(delay, () => {
      this.timer = false
      this.running = this.running.then(() =>
        this.sync().catch((err) => {
          this.log(`applying network policy rules failed (will retry): ${(err as Error)?.message ?? err}`)
          this.state = undefined
          this.schedule(1000)
        }),
      )
    })
  }

  /** Rebuilds the chains and applies what changed. */
  async sync(): Promise<void> {
    const exec = this.opts.exec ?? run
    const first = this.state === undefined
    this.state ??= await existingChains(exec, 'SKIFF-NP-')
    const rules = {nat: new Map<string, string[]>(), filter: buildPolicyRules(this.policies.list(), this.pods.list(), this.namespaces.list(), this.opts.nodeName)}
    const input = restoreInput(this.state, rules)
    if (input) await (this.opts.restore ?? ((i) => runWithInput('iptables-restore', ['-w', '--noflush'], i)))(input)
    if (first) await ensureJumps(exec, JUMP)
    this.state = stateOf(rules)
    this.stats.syncs++
    this.stats.lastChangedChains = (input.match(/^:/gm) ?? []).length
  }
}
