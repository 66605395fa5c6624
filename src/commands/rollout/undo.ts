// `skiff rollout undo`: puts a deployment's previous (or a chosen) revision's pod template back.
import {Args, Flags} from '@oclif/core'
import {KubeCommand, kubeFlags} from '../../cli/kube/command.js'
import {revisions, templateOf} from '../../cli/kube/history.js'
import {resourcePath} from '../../cli/kube/resolve.js'
import {deepEqual} from '../../cli/kube/patch.js'
import {revisionOf} from '../../cli/kube/workloads.js'
import {typeName} from '../../cli/kube/types.js'
import {SkiffError} from '../../errors.js'

export default class RolloutUndo extends KubeCommand {
  static override summary = 'Roll a deployment back to its previous revision (or --to-revision).'
  static override strict = false
  static override examples = ['<%= config.bin %> rollout undo deploy/web', '<%= config.bin %> rollout undo deploy/web --to-revision 1']
  static override args = {target: Args.string({description: 'TYPE/NAME or TYPE NAME', required: true})}
  static override flags = {
    ...kubeFlags,
    'to-revision': Flags.integer({description: 'the revision to go back to [default: the one before the current]', min: 1}),
  }

  async run(): Promise<{ref: string; revision: number}> {
    const {argv, flags} = await this.parse(RolloutUndo)
    const client = await this.client(flags)
    const {r, obj} = await this.oneObject(argv as string[])
    if (obj.kind !== 'Deployment') throw new SkiffError(`rollout undo supports deployments; ${obj.kind} is not one`, {exitCode: 1})
    const revs = await revisions(client, obj)
    const wanted = flags['to-revision']
    const target = wanted === undefined ? revs.at(-2) : revs.find((x) => revisionOf(x) === wanted)
    if (!target) throw new SkiffError(wanted === undefined ? 'no rollout history found' : `unable to find specified revision ${wanted} in history`, {exitCode: 1})
    const ref = `${typeName(r)}/${obj.metadata?.name}`
    const template = templateOf(target)
    if (covered(template, (obj.spec as {template?: unknown}).template)) {
      this.log(`${ref} skipped rollback (current template already matches revision ${revisionOf(target)})`)
      return {ref, revision: revisionOf(target)}
    }
    await client.request('PATCH', resourcePath(r, client.namespace, obj.metadata?.name), {
      body: [
        {op: 'test', path: '/metadata/resourceVersion', value: obj.metadata?.resourceVersion},
        {op: 'replace', path: '/spec/template', value: template},
      ],
      contentType: 'application/json-patch+json',
    })
    this.log(`${ref} rolled back`)
    return {ref, revision: revisionOf(target)}
  }
}

function covered(a: unknown, b: unknown): boolean {
  return deepEqual(JSON.parse(JSON.stringify(a ?? {})), JSON.parse(JSON.stringify(b ?? {})))
}
