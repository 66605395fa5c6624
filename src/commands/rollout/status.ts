// `skiff rollout status`: waits until a deployment, daemon set or stateful set has rolled out, printing progress as kubectl does.
import {Args, Flags} from '@oclif/core'
import {parseDuration} from '../../cli/base.js'
import {KubeCommand, kubeFlags} from '../../cli/kube/command.js'
import {resourcePath} from '../../cli/kube/resolve.js'
import {rolloutStatus} from '../../cli/kube/workloads.js'
import {SkiffError} from '../../errors.js'

export default class RolloutStatus extends KubeCommand {
  static override summary = 'Wait for a rollout to finish.'
  static override strict = false
  static override examples = ['<%= config.bin %> rollout status deploy/web', '<%= config.bin %> rollout status ds/agent --timeout 2m']
  static override args = {target: Args.string({description: 'TYPE/NAME or TYPE NAME', required: true})}
  static override flags = {
    ...kubeFlags,
    timeout: Flags.string({description: 'give up after this long (e.g. 90s, 5m; 0 waits forever)', default: '0'}),
    watch: Flags.boolean({char: 'w', description: 'wait for the rollout (--no-watch checks once)', default: true, allowNo: true}),
  }

  async run(): Promise<{done: boolean; message: string}> {
    const {argv, flags} = await this.parse(RolloutStatus)
    const client = await this.client(flags)
    const {r, obj} = await this.oneObject(argv as string[])
    const limit = parseDuration(flags.timeout)
    const deadline = limit ? Date.now() + limit : Infinity
    let last = ''
    for (let current = obj; ; ) {
      const s = rolloutStatus(current)
      if (s.message !== last) this.log(s.message)
      last = s.message
      if (s.done || !flags.watch) return s
      if (Date.now() > deadline) throw new SkiffError('timed out waiting for the condition', {exitCode: 1})
      await new Promise((res) => setTimeout(res, 1000))
      current = await client.get(resourcePath(r, client.namespace, obj.metadata?.name))
    }
  }
}
