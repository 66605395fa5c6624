// `skiff describe`: an object's metadata, spec, status, conditions and recent events, in the shape kubectl describe prints.
import {Args} from '@oclif/core'
import {KubeCommand, kubeFlags} from '../cli/kube/command.js'
import {describe} from '../cli/kube/describe.js'
import {fetchObjects} from '../cli/kube/fetch.js'
import type {KubeObject, ResourceInfo} from '../cli/kube/types.js'

const events: ResourceInfo = {group: '', version: 'v1', resource: 'events', singular: 'event', kind: 'Event', namespaced: true, shortNames: [], categories: [], verbs: [], subresources: []}

export default class Describe extends KubeCommand {
  static override summary = 'Show an object in detail, with its conditions and events.'
  static override strict = false
  static override examples = ['<%= config.bin %> describe deploy web', '<%= config.bin %> describe pod/web-0 -n demo', '<%= config.bin %> describe nodes']
  static override args = {target: Args.string({description: 'TYPE NAME..., TYPE/NAME..., or TYPE for all of them', required: true})}
  static override flags = {...kubeFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Describe)
    const client = await this.client(flags)
    const out: string[] = []
    for (const t of await this.targets(argv as string[])) {
      const {result, errors} = await fetchObjects(client, t.r, {namespace: client.namespace, names: t.names})
      if (errors.length) throw errors[0]
      for (const obj of result) out.push(describe(obj, await this.eventsFor(obj)))
    }
    this.log(out.join('\n\n\n'))
  }

  /** The events about `obj`, oldest first; a server that will not list them leaves the section empty. */
  private async eventsFor(obj: KubeObject): Promise<KubeObject[]> {
    const client = await this.client({})
    const m = obj.metadata ?? {}
    const sel = [`involvedObject.name=${m.name}`, m.namespace ? `involvedObject.namespace=${m.namespace}` : '', m.uid ? `involvedObject.uid=${m.uid}` : ''].filter(Boolean).join(',')
    try {
      const {result} = await fetchObjects(client, events, {namespace: m.namespace ?? 'default', names: [], fieldSelector: sel})
      const at = (e: KubeObject) => Date.parse(String(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? 0))
      return result.sort((a, b) => at(a) - at(b))
    } catch {
      return []
    }
  }
}
