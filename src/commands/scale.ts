// `skiff scale`: sets the replicas of a deployment, replica set, stateful set or custom resource through its scale subresource.
import {Args, Flags} from '@oclif/core'
import {KubeCommand, kubeFlags} from '../cli/kube/command.js'
import {resourcePath} from '../cli/kube/resolve.js'
import {typeName} from '../cli/kube/types.js'

export default class Scale extends KubeCommand {
  static override summary = 'Set the number of replicas of a workload (its scale subresource).'
  static override strict = false
  static override examples = ['<%= config.bin %> scale deploy/web --replicas 4', '<%= config.bin %> scale statefulset db --replicas 3 -n data']
  static override args = {target: Args.string({description: 'TYPE/NAME or TYPE NAME', required: true})}
  static override flags = {
    ...kubeFlags,
    replicas: Flags.integer({description: 'the new number of replicas', required: true, min: 0}),
  }

  async run(): Promise<{ref: string; replicas: number}[]> {
    const {argv, flags} = await this.parse(Scale)
    const client = await this.client(flags)
    const done: {ref: string; replicas: number}[] = []
    for (const t of await this.targets(argv as string[])) {
      for (const name of t.names) {
        await client.request('PATCH', resourcePath(t.r, client.namespace, name, 'scale'), {body: {spec: {replicas: flags.replicas}}, contentType: 'application/merge-patch+json'})
        const ref = `${typeName(t.r)}/${name}`
        this.log(`${ref} scaled`)
        done.push({ref, replicas: flags.replicas})
      }
    }
    return done
  }
}
