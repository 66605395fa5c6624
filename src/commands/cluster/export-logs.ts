// `skiff cluster export-logs`: one .tar.gz with every node's component logs, containerd's and etcd's logs, pod logs, Node objects and events.
import {Args} from '@oclif/core'
import {Listr, type ListrRendererValue} from 'listr2'
import {resolve} from 'node:path'
import {SkiffCommand} from '../../cli/base.js'
import {engineProvider} from '../../cli/provider.js'
import {asEngine} from '../../cluster/ops/access.js'
import {exportLogs, type ExportResult} from '../../cluster/ops/export-logs.js'

export default class ClusterExportLogs extends SkiffCommand {
  static override summary = "Write a cluster's logs to a .tar.gz."
  static override description =
    'Per node: the container log and each component split from it (apiserver, controller-manager, scheduler, agent, proxy, dns, entrypoint...), /var/log (containerd.log, etcd.log, pod logs); for the cluster: nodes.yaml, events.yaml and pods.yaml from the API. Works on a stopped cluster too (without the API parts).'
  static override enableJsonFlag = true
  static override examples = ['<%= config.bin %> cluster export-logs', '<%= config.bin %> cluster export-logs demo /tmp/logs --json']
  static override args = {
    name: Args.string({description: 'cluster name', default: 'skiff'}),
    dir: Args.string({description: 'directory to write the archive to', default: '.'}),
  }

  async run(): Promise<ExportResult> {
    const {args} = await this.parse(ClusterExportLogs)
    const quiet = this.jsonEnabled()
    const ctx: {result?: ExportResult} = {}
    await new Listr<typeof ctx, ListrRendererValue, ListrRendererValue>(
      [{title: `Collecting the logs of cluster "${args.name}"`, task: async (c, task) => {
        c.result = await exportLogs(asEngine(engineProvider()), args.name, resolve(args.dir), (m) => (task.output = m))
        task.title = `Collected ${c.result.files.length} files`
      }}],
      {renderer: this.progressMode(), fallbackRenderer: 'simple', exitOnError: true},
    ).run(ctx)
    const result = ctx.result!
    if (!quiet) {
      this.log(`Wrote ${result.archive} (${result.files.length} files).`)
      if (result.apiError) this.warn(`the API did not answer (${result.apiError}): node descriptions and events are missing`)
    }
    return result
  }
}
