// `skiff cluster kubeconfig`: prints a cluster's kubeconfig, recovered from its control-plane node.
import {Args, Flags} from '@oclif/core'
import Dockerode from 'dockerode'
import yaml from 'js-yaml'
import {SkiffCommand} from '../../cli/base.js'
import {ADMIN_KUBECONFIG} from '../../cluster/create/actions.js'
import {DockerProvider} from '../../cluster/docker/provider.js'
import {parseKubeconfig, type Kubeconfig} from '../../cluster/kubeconfig.js'
import {NodePorts} from '../../api/contract.js'
import {SkiffError} from '../../errors.js'

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
    const provider = new DockerProvider(new Dockerode())
    await provider.ping()
    const cluster = await provider.getCluster(args.name)
    const cp = cluster?.nodes.find((n) => n.role === 'control-plane')
    if (!cluster || !cp) throw new SkiffError(`cluster "${args.name}" does not exist`, {exitCode: 4, suggestions: ['See `skiff cluster list`.']})
    const config = parseKubeconfig(await provider.readFile(cp.name, ADMIN_KUBECONFIG), `${cp.name}:${ADMIN_KUBECONFIG}`)
    const server = flags.internal ? `https://${cp.name}:${NodePorts.apiServer}` : `https://127.0.0.1:${cluster.apiServerPort}`
    for (const c of config.clusters) c.cluster.server = server
    if (!this.jsonEnabled()) this.log(yaml.dump(config, {lineWidth: -1}).trimEnd())
    return config
  }
}
