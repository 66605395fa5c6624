// `skiff cluster delete`: removes clusters and everything they made; deleting a missing cluster succeeds.
import {Args, Flags} from '@oclif/core'
import {SkiffCommand} from '../../cli/base.js'
import {engineProvider} from '../../cli/provider.js'
import {deleteClusters, type DeleteResult} from '../../cluster/delete.js'
import {defaultKubeconfigPath} from '../../cluster/kubeconfig.js'
import {SkiffError} from '../../errors.js'

export default class ClusterDelete extends SkiffCommand {
  static override summary = 'Delete clusters: containers, network, volumes and kubeconfig entries.'
  static override enableJsonFlag = true
  static override strict = false
  static override examples = ['<%= config.bin %> cluster delete', '<%= config.bin %> cluster delete demo ci', '<%= config.bin %> cluster delete --all']
  static override args = {name: Args.string({description: 'cluster name(s) [default: skiff]'})}
  static override flags = {
    all: Flags.boolean({char: 'A', description: 'delete every skiff cluster'}),
    kubeconfig: Flags.string({description: 'kubeconfig file to clean [default: $KUBECONFIG or ~/.kube/config]'}),
  }

  async run(): Promise<{deleted: DeleteResult[]}> {
    const {argv, flags} = await this.parse(ClusterDelete)
    const names = argv as string[]
    if (flags.all && names.length > 0) throw new SkiffError('give cluster names or --all, not both', {exitCode: 2})
    const deleted = await deleteClusters(engineProvider(), flags.all ? 'all' : names.length ? names : ['skiff'], flags.kubeconfig ?? defaultKubeconfigPath())
    for (const d of deleted) {
      this.log(d.existed ? `Deleted cluster "${d.name}" (${d.containers} containers, ${d.volumes} volumes, ${d.networks} network${d.networks === 1 ? '' : 's'}).` : `Cluster "${d.name}" does not exist; nothing to delete.`)
    }
    return {deleted}
  }
}
