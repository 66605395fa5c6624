// `skiff rollout history`: the revisions of a deployment, daemon set or stateful set, with their change causes.
import {Args, Flags} from '@oclif/core'
import {KubeCommand, kubeFlags} from '../../cli/kube/command.js'
import {revisions, templateOf} from '../../cli/kube/history.js'
import {alignColumns, toYaml} from '../../cli/kube/printers.js'
import {revisionOf} from '../../cli/kube/workloads.js'
import {typeName} from '../../cli/kube/types.js'
import {SkiffError} from '../../errors.js'

export default class RolloutHistory extends KubeCommand {
  static override summary = 'List the revisions of a rollout.'
  static override strict = false
  static override examples = ['<%= config.bin %> rollout history deploy/web', '<%= config.bin %> rollout history deploy/web --revision 2']
  static override args = {target: Args.string({description: 'TYPE/NAME or TYPE NAME', required: true})}
  static override flags = {
    ...kubeFlags,
    revision: Flags.integer({description: 'show the pod template of this revision'}),
  }

  async run(): Promise<{revision: number; changeCause?: string}[]> {
    const {argv, flags} = await this.parse(RolloutHistory)
    const client = await this.client(flags)
    const {r, obj} = await this.oneObject(argv as string[])
    const revs = await revisions(client, obj)
    const ref = `${typeName(r)}/${obj.metadata?.name}`
    if (flags.revision !== undefined) {
      const rev = revs.find((x) => revisionOf(x) === flags.revision)
      if (!rev) throw new SkiffError(`unable to find the specified revision ${flags.revision}`, {exitCode: 1})
      this.log(`${ref} with revision #${flags.revision}`)
      this.log(toYaml(templateOf(rev)))
      return [{revision: flags.revision}]
    }
    const rows = revs.map((x) => ({revision: revisionOf(x), changeCause: x.metadata?.annotations?.['kubernetes.io/change-cause']}))
    // kubectl names the object with its name printer (an empty operation leaves a trailing blank), then a tabbed table.
    this.log(`${ref} `)
    for (const l of alignColumns([['REVISION', 'CHANGE-CAUSE'], ...rows.map((x) => [String(x.revision), x.changeCause ?? '<none>'])], {padding: 2, minWidth: 0})) this.log(l)
    this.log('')
    return rows
  }
}
