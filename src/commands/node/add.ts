// `skiff node add`: a new worker joins a running cluster (its own container, address, pod range and certificate).
import {Flags} from '@oclif/core'
import {cpus as hostCpus} from 'node:os'
import {SkiffCommand, parseDuration} from '../../cli/base.js'
import {engineProvider} from '../../cli/provider.js'
import {asEngine, resolveClusterName} from '../../cluster/ops/access.js'
import {addNode, type AddResult} from '../../cluster/ops/tasks.js'
import {cpuProblem, memoryOrProblem} from '../../config/decode-node.js'
import {SkiffError} from '../../errors.js'

export default class NodeAdd extends SkiffCommand {
  static override summary = 'Add a worker node to a running cluster.'
  static override description =
    'Starts a new worker container on the cluster network with the next free address and pod range and a certificate signed by the cluster CA, then waits until its Node is Ready. --cpus and --memory are real limits on the container, and the Node reports them as its capacity.'
  static override enableJsonFlag = true
  static override examples = ['<%= config.bin %> node add', '<%= config.bin %> node add --cluster demo --cpus 1 --memory 1Gi', '<%= config.bin %> node add --label tier=web --json']
  static override flags = {
    cluster: Flags.string({char: 'c', description: 'cluster name [default: the only cluster, else skiff]'}),
    role: Flags.string({description: 'node role (only workers can join a running cluster)', options: ['worker'], default: 'worker'}),
    cpus: Flags.string({description: 'CPU limit (cores, e.g. 1 or 0.5)'}),
    memory: Flags.string({description: 'memory limit (e.g. 1Gi, 768Mi)'}),
    label: Flags.string({char: 'l', description: 'label of the Node (KEY=VALUE, repeatable)', multiple: true}),
    wait: Flags.boolean({description: 'wait until the node is Ready', default: true, allowNo: true}),
    timeout: Flags.string({description: 'give up after this long', default: '3m'}),
  }

  async run(): Promise<AddResult> {
    const {flags} = await this.parse(NodeAdd)
    const cpus = flags.cpus === undefined ? undefined : Number(flags.cpus)
    if (cpus !== undefined) {
      const p = cpuProblem(cpus, hostCpus().length || undefined)
      if (p) throw new SkiffError(`--cpus ${p}`, {exitCode: 2})
    }
    let memory: number | undefined
    if (flags.memory !== undefined) {
      const m = memoryOrProblem(flags.memory)
      if (typeof m === 'string') throw new SkiffError(`--memory ${m}`, {exitCode: 2})
      memory = m
    }
    const labels: Record<string, string> = {}
    for (const l of flags.label ?? []) {
      const i = l.indexOf('=')
      if (i <= 0) throw new SkiffError(`--label ${l}: use KEY=VALUE`, {exitCode: 2})
      labels[l.slice(0, i)] = l.slice(i + 1)
    }
    const engine = asEngine(engineProvider())
    const cluster = await resolveClusterName(engine, flags.cluster)
    const result = await addNode(engine, cluster, {cpus, memory, labels}, {wait: flags.wait, timeoutMs: parseDuration(flags.timeout), progress: this.progressMode()})
    if (!this.jsonEnabled()) this.log(`Node ${result.name} (${result.ip}, pods ${result.podCIDR}) joined cluster "${cluster}"${result.ready ? ' and is Ready' : ''}.`)
    return result
  }
}
