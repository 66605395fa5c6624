// `skiff rollout undo`: puts a deployment's, daemon set's or stateful set's previous (or a chosen) revision's pod template back.
import {Args, Flags} from '@oclif/core'
import {dump} from 'js-yaml'
import {dryRunSuffix} from '../../cli/kube/apply.js'
import {KubeCommand, kubeFlags} from '../../cli/kube/command.js'
import {revisions, templateOf, undoTarget} from '../../cli/kube/history.js'
import {resourcePath} from '../../cli/kube/resolve.js'
import {deepEqual} from '../../cli/kube/patch.js'
import {revisionOf} from '../../cli/kube/workloads.js'
import {typeName} from '../../cli/kube/types.js'
import {SkiffError} from '../../errors.js'

export default class RolloutUndo extends KubeCommand {
  static override summary = 'Roll a deployment, daemon set or stateful set back to its previous revision (or --to-revision).'
  static override description = 'Deployments keep revisions as ReplicaSets, daemon sets and stateful sets as ControllerRevisions; the chosen revision\'s pod template replaces the current one, as kubectl does.'
  static override strict = false
  static override examples = ['<%= config.bin %> rollout undo deploy/web', '<%= config.bin %> rollout undo deploy/web --to-revision 1', '<%= config.bin %> rollout undo ds/agent', '<%= config.bin %> rollout undo sts/db --to-revision 2', '<%= config.bin %> rollout undo deploy/web --dry-run=server']
  static override args = {target: Args.string({description: 'TYPE/NAME or TYPE NAME', required: true})}
  static override flags = {
    ...kubeFlags,
    'to-revision': Flags.integer({description: 'the revision to go back to [default: the one before the current]', min: 1}),
    'dry-run': Flags.string({description: 'client: print the pod template it would put back; server: have the server check the rollback without keeping it', options: ['none', 'client', 'server'], default: 'none'}),
  }

  async run(): Promise<{ref: string; revision: number; template?: unknown}> {
    const {argv, flags} = await this.parse(RolloutUndo)
    const client = await this.client(flags)
    const {r, obj} = await this.oneObject(argv as string[])
    if (!['Deployment', 'DaemonSet', 'StatefulSet'].includes(obj.kind ?? '')) throw new SkiffError(`no rollbacker has been implemented for ${obj.kind}`, {exitCode: 1})
    const target = undoTarget(await revisions(client, obj), flags['to-revision'], obj.kind)
    if (typeof target === 'string') throw new SkiffError(target, {exitCode: 1})
    const ref = `${typeName(r)}/${obj.metadata?.name}`
    const template = templateOf(target)
    if (covered(template, (obj.spec as {template?: unknown}).template)) {
      this.log(`${ref} skipped rollback (current template already matches revision ${revisionOf(target)})`)
      return {ref, revision: revisionOf(target)}
    }
    const dryRun = flags['dry-run'] as 'none' | 'client' | 'server'
    // As kubectl: a client dry run shows the template that would go back, and sends nothing.
    if (dryRun === 'client') {
      if (!this.jsonEnabled()) this.log(`${ref}\nPod Template:\n${dump(template, {indent: 2, lineWidth: -1}).replace(/^/gm, '  ').trimEnd()}`)
      return {ref, revision: revisionOf(target), template}
    }
    await client.request('PATCH', resourcePath(r, client.namespace, obj.metadata?.name), {
      query: {dryRun: dryRun === 'server' ? 'All' : undefined},
      body: [
        {op: 'test', path: '/metadata/resourceVersion', value: obj.metadata?.resourceVersion},
        {op: 'replace', path: '/spec/template', value: template},
      ],
      contentType: 'application/json-patch+json',
    })
    this.log(`${ref} rolled back${dryRunSuffix(dryRun)}`)
    return {ref, revision: revisionOf(target)}
  }
}

function covered(a: unknown, b: unknown): boolean {
  return deepEqual(JSON.parse(JSON.stringify(a ?? {})), JSON.parse(JSON.stringify(b ?? {})))
}
