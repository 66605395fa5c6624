// `skiff rollout restart`: starts a new rollout by stamping the pod template, as kubectl does.
import {Args} from '@oclif/core'
import {KubeCommand, kubeFlags} from '../../cli/kube/command.js'
import {resourcePath} from '../../cli/kube/resolve.js'
import {typeName} from '../../cli/kube/types.js'

export default class RolloutRestart extends KubeCommand {
  static override summary = 'Restart the pods of a deployment, daemon set or stateful set with a new rollout.'
  static override strict = false
  static override examples = ['<%= config.bin %> rollout restart deploy/web']
  static override args = {target: Args.string({description: 'TYPE/NAME or TYPE NAME', required: true})}
  static override flags = {...kubeFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(RolloutRestart)
    const client = await this.client(flags)
    const stamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
    for (const t of await this.targets(argv as string[])) {
      for (const name of t.names) {
        await client.request('PATCH', resourcePath(t.r, client.namespace, name), {
          body: {spec: {template: {metadata: {annotations: {'kubectl.kubernetes.io/restartedAt': stamp}}}}},
          contentType: 'application/merge-patch+json',
          query: {fieldManager: 'skiff-rollout'},
        })
        this.log(`${typeName(t.r)}/${name} restarted`)
      }
    }
  }
}
