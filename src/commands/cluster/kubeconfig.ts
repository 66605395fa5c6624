// `skiff cluster kubeconfig`: prints a cluster's kubeconfig, recovered from its control-plane node.
import {Args, Flags} from '@oclif/core'
import yaml from 'js-yaml'
import {SkiffCommand} from '../../cli/base.js'
import {engineProvider} from '../../cli/provider.js'
import {clusterKubeconfig, type Kubeconfig} from '../../cluster/kubeconfig.js'

export default class ClusterKubeconfig extends SkiffCommand {
  static override summary = "Print a cluster's kubeconfig."
  static override enableJsonFlag = true
  static override examples = ['<%= config.bin %> cluster kubeconfig demo > demo.kubeconfig', '<%= config.bin %> cluster kubeconfig demo --internal']
  static override args = {name: Args.string({description: 'cluster name', default: 'skiff'})}
  static override flags = {
    internal: Flags.boolean({description: 'address the apiserver by its node name, for use from containers on the cluster network'}),
  }

  async run(): Promise<Kubeconfig> {
    const {args, flags} = await this.parse(ClusterKubeconfig)
    const config = await clusterKubeconfig(engineProvider(), args.name, {internal: flags.internal})
    if (!this.jsonEnabled()) this.log(yaml.dump(config, {lineWidth: -1}).trimEnd())
    return config
  }
}
