// `skiff delete`: deletes objects named on the command line, by selector, or from manifests, and waits until they are gone.
import {Args, Flags} from '@oclif/core'
import {parseDuration} from '../cli/base.js'
import {KubeCommand, kubeFlags, oneLine} from '../cli/kube/command.js'
import {fetchObjects} from '../cli/kube/fetch.js'
import {loadManifests} from '../cli/kube/manifest.js'
import {resourcePath} from '../cli/kube/resolve.js'
import {ApiError, typeName, type ResourceInfo} from '../cli/kube/types.js'
import {SkiffError} from '../errors.js'

export default class Delete extends KubeCommand {
  static override summary = 'Delete objects by name, by label selector, or as listed in manifests.'
  static override strict = false
  static override examples = [
    '<%= config.bin %> delete -f app.yaml',
    '<%= config.bin %> delete deploy web',
    '<%= config.bin %> delete pod/web-0 pod/web-1 --wait=false',
    '<%= config.bin %> delete pods -l app=web',
  ]
  static override args = {target: Args.string({description: 'TYPE NAME..., TYPE/NAME... or TYPE with -l / --all'})}
  static override flags = {
    ...kubeFlags,
    filename: Flags.string({char: 'f', description: 'file, directory, URL or - for stdin', multiple: true}),
    recursive: Flags.boolean({char: 'R', description: 'read directories recursively'}),
    selector: Flags.string({char: 'l', description: 'label selector'}),
    all: Flags.boolean({description: 'every object of the type in the namespace'}),
    'ignore-not-found': Flags.boolean({description: 'a missing object is not an error'}),
    wait: Flags.boolean({description: 'wait until the objects are gone', default: true, allowNo: true}),
    cascade: Flags.string({description: 'what happens to dependents', options: ['background', 'foreground', 'orphan'], default: 'background'}),
    timeout: Flags.string({description: 'how long to wait for deletion', default: '5m'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Delete)
    const client = await this.client(flags)
    const items: Array<{r: ResourceInfo; name: string; namespace?: string}> = []
    if (flags.filename) {
      const {docs, problems} = await loadManifests(flags.filename, flags.recursive)
      if (problems.length) throw new SkiffError(problems.map((p) => `${p.source}: ${p.message}`).join('; '), {exitCode: 1})
      for (const d of docs) {
        const r = await this.typeOfKind(d.object.apiVersion ?? '', d.object.kind ?? '')
        if (!r) throw new SkiffError(`${d.source} (document ${d.index}): no matches for kind "${d.object.kind}" in version "${d.object.apiVersion}"`, {exitCode: 1})
        items.push({r, name: d.object.metadata?.name ?? '', namespace: d.object.metadata?.namespace})
      }
    } else {
      if (!argv.length) throw new SkiffError('give TYPE NAME, TYPE/NAME, TYPE -l SELECTOR or -f FILE', {exitCode: 2})
      for (const t of await this.targets(argv as string[])) {
        if (t.names.length) items.push(...t.names.map((name) => ({r: t.r, name})))
        else if (flags.selector || flags.all) items.push(...(await fetchObjects(client, t.r, {namespace: client.namespace, names: [], labelSelector: flags.selector})).result.map((o) => ({r: t.r, name: o.metadata?.name ?? ''})))
        else throw new SkiffError('resource(s) were provided, but no name was specified: give names, -l SELECTOR or --all', {exitCode: 2})
      }
    }
    const policy = {background: 'Background', foreground: 'Foreground', orphan: 'Orphan'}[flags.cascade]
    const deleted: typeof items = []
    let failed = false
    for (const it of items) {
      const path = resourcePath(it.r, it.namespace ?? client.namespace, it.name)
      try {
        await client.request('DELETE', path, {body: {kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: policy}})
        this.log(`${typeName(it.r)} "${it.name}" deleted`)
        deleted.push(it)
      } catch (err) {
        if (err instanceof ApiError && err.code === 404 && flags['ignore-not-found']) continue
        if (!(err instanceof ApiError)) throw err
        this.logToStderr(oneLine(err.describe()))
        failed = true
      }
    }
    if (flags.wait) {
      const deadline = Date.now() + parseDuration(flags.timeout)
      for (const it of deleted) {
        for (;;) {
          try {
            await client.get(resourcePath(it.r, it.namespace ?? client.namespace, it.name))
          } catch (err) {
            if (err instanceof ApiError && err.code === 404) break
            throw err
          }
          if (Date.now() > deadline) throw new SkiffError(`timed out waiting for ${typeName(it.r)} "${it.name}" to be deleted`, {exitCode: 1})
          await new Promise((r) => setTimeout(r, 500))
        }
      }
    }
    if (failed) this.exit(1)
  }
}
