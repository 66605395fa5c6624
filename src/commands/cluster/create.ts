// `skiff cluster create`: boots a multi-node cluster in Docker and points kubectl at it.
import {Args, Flags} from '@oclif/core'
import {SkiffCommand, parseDuration} from '../../cli/base.js'
import {engineProvider} from '../../cli/provider.js'
import {createCluster, type CreateResult} from '../../cluster/create/index.js'
import {defaultKubeconfigPath} from '../../cluster/kubeconfig.js'
import {configFromFlags, loadConfigFile} from '../../config/load.js'
import {OPTIONAL_COMPONENTS} from '../../api/contract.js'

export default class ClusterCreate extends SkiffCommand {
  static override summary = 'Create a local cluster: one Docker container per node.'
  static override description = 'Creates a Docker network and the node containers, boots the control plane, waits until every node is Ready, and merges a context named skiff-NAME into your kubeconfig.'
  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> cluster create',
    '<%= config.bin %> cluster create demo --workers 3',
    '<%= config.bin %> cluster create ci --no-wait --json',
    '<%= config.bin %> cluster create --config templates/cluster.yaml',
    '<%= config.bin %> cluster create bare --disable ingress --disable dns',
  ]
  static override args = {name: Args.string({description: 'cluster name (default: skiff, or the name in --config)'})}
  static override flags = {
    config: Flags.string({char: 'c', description: 'cluster config file (apiVersion: skiff.dev/v1alpha1, kind: Cluster)'}),
    workers: Flags.integer({char: 'w', description: 'number of worker nodes [default: 2]', min: 0, max: 100}),
    'control-planes': Flags.integer({description: 'number of control-plane nodes [default: 1]', min: 1}),
    image: Flags.string({description: 'node image (default: built from this skiff version when missing)'}),
    wait: Flags.boolean({description: 'wait until every node is Ready', default: true, allowNo: true}),
    timeout: Flags.string({description: 'give up after this long (e.g. 90s, 5m)', default: '5m'}),
    retain: Flags.boolean({description: 'keep the nodes of a failed cluster for debugging'}),
    kubeconfig: Flags.string({description: 'kubeconfig file to update [default: $KUBECONFIG or ~/.kube/config]'}),
    'switch-context': Flags.boolean({description: 'make the new context current', default: true, allowNo: true}),
    disable: Flags.string({description: 'turn off a built-in component (repeatable; adds to the config file\'s components section)', multiple: true, options: [...OPTIONAL_COMPONENTS]}),
    'rebuild-image': Flags.boolean({description: 'rebuild the node image even if it exists', hidden: true}),
  }

  async run(): Promise<CreateResult> {
    const {args, flags} = await this.parse(ClusterCreate)
    const base = flags.config ? await loadConfigFile(flags.config) : undefined
    const config = configFromFlags(base, {name: args.name, workers: flags.workers, controlPlanes: flags['control-planes'], image: flags.image, disable: flags.disable})
    const result = await createCluster(
      engineProvider(),
      config,
      {
        wait: flags.wait,
        timeoutMs: parseDuration(flags.timeout),
        retain: flags.retain,
        kubeconfigPath: flags.kubeconfig ?? defaultKubeconfigPath(),
        switchContext: flags['switch-context'],
        rebuildImage: flags['rebuild-image'],
      },
      this.progressMode(),
    )
    if (!this.jsonEnabled()) {
      const secs = ((result.milestones.done ?? 0) / 1000).toFixed(1)
      this.log(`Cluster "${result.name}" is up (${result.nodes.length} nodes, ${secs}s). API: ${result.apiServer}`)
      const lb = !result.disabled.includes('loadBalancer')
      if (result.ingress) this.log(`Ingress: ${result.ingress.http} and ${result.ingress.https}${lb ? '; LoadBalancer services get 127.0.0.1:<port>' : ''}`)
      else if (lb) this.log('LoadBalancer services get 127.0.0.1:<port>')
      if (result.disabled.length > 0) this.log(`Turned off: ${result.disabled.join(', ')}`)
      this.log(`kubectl context: ${result.context}${flags['switch-context'] ? ' (current)' : ''} — try: kubectl --context ${result.context} get nodes`)
    }
    return result
  }
}
