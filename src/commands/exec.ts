// `skiff exec`: runs a command in a pod's container over WebSocket, with stdin and a terminal when asked.
import {Args, Flags} from '@oclif/core'
import {KubeCommand, kubeFlags} from '../cli/kube/command.js'
import {execInPod} from '../cli/kube/exec.js'
import {resourcePath} from '../cli/kube/resolve.js'
import {pickContainer} from '../cli/kube/workloads.js'
import type {ResourceInfo} from '../cli/kube/types.js'
import {SkiffError} from '../errors.js'

const pods: ResourceInfo = {group: '', version: 'v1', resource: 'pods', singular: 'pod', kind: 'Pod', namespaced: true, shortNames: [], categories: [], verbs: [], subresources: []}

export default class Exec extends KubeCommand {
  static override summary = 'Run a command in a container of a pod.'
  static override description = 'Exits with the command\'s exit code. Put the command after `--`.'
  static override strict = false
  static override examples = ['<%= config.bin %> exec web-0 -- ls /', '<%= config.bin %> exec -it web-0 -c app -- sh', 'echo hi | <%= config.bin %> exec -i web-0 -- cat']
  static override args = {pod: Args.string({description: 'POD or pod/NAME, then -- COMMAND [ARGS...]', required: true})}
  static override flags = {
    ...kubeFlags,
    container: Flags.string({char: 'c', description: 'container name [default: the default-container annotation, else the first]'}),
    stdin: Flags.boolean({char: 'i', description: 'pass stdin to the command'}),
    tty: Flags.boolean({char: 't', description: 'allocate a terminal'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Exec)
    const [target, ...command] = argv as string[]
    if (!command.length) throw new SkiffError('give the command after --, e.g. skiff exec web-0 -- ls', {exitCode: 2})
    const client = await this.client(flags)
    const name = target.replace(/^(pods?|po)\//, '')
    const pod = await client.get(resourcePath(pods, client.namespace, name))
    const tty = flags.tty && process.stdin.isTTY === true
    const result = await execInPod(client, {namespace: client.namespace, pod: name, container: pickContainer(pod, flags.container), command, stdin: flags.stdin, tty})
    if (result.code !== 0) {
      if (result.message && !/exit code/.test(result.message)) this.logToStderr(`error: ${result.message}`)
      this.exit(result.code)
    }
  }
}
