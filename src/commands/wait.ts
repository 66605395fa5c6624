// `skiff wait`: blocks until objects meet a condition, match a JSONPath value, or are deleted.
import {Args, Flags} from '@oclif/core'
import {parseDuration} from '../cli/base.js'
import {allNamespacesFlag, KubeCommand, kubeFlags} from '../cli/kube/command.js'
import {fetchObjects} from '../cli/kube/fetch.js'
import {resourcePath} from '../cli/kube/resolve.js'
import {ApiError, typeName} from '../cli/kube/types.js'
import {parseWaitFor, waitMet} from '../cli/kube/workloads.js'
import {SkiffError} from '../errors.js'

export default class Wait extends KubeCommand {
  static override summary = 'Wait for objects to meet a condition, match a JSONPath value, or be deleted.'
  static override strict = false
  static override examples = [
    '<%= config.bin %> wait --for=condition=Available deploy/web',
    '<%= config.bin %> wait --for=condition=Ready pod -l app=web --timeout 2m',
    '<%= config.bin %> wait --for=jsonpath=\'{.status.phase}\'=Running pod/web-0',
    '<%= config.bin %> wait --for=delete pod/old --timeout 60s',
  ]
  static override args = {target: Args.string({description: 'TYPE/NAME..., TYPE NAME... or TYPE with -l', required: true})}
  static override flags = {
    ...kubeFlags,
    ...allNamespacesFlag,
    for: Flags.string({description: 'delete, condition=TYPE[=STATUS] or jsonpath=PATH[=VALUE]', required: true}),
    selector: Flags.string({char: 'l', description: 'label selector'}),
    timeout: Flags.string({description: 'give up after this long (0: check once)', default: '30s'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Wait)
    const client = await this.client(flags)
    const cond = parseWaitFor(flags.for)
    const deadline = Date.now() + parseDuration(flags.timeout)
    const namespace = flags['all-namespaces'] ? undefined : client.namespace
    for (const t of await this.targets(argv as string[])) {
      const names = t.names.length ? t.names : (await fetchObjects(client, t.r, {namespace, names: [], labelSelector: flags.selector})).result.map((o) => o.metadata?.name ?? '')
      if (!names.length) throw new SkiffError('no matching resources found', {exitCode: 1})
      for (const name of names) {
        for (;;) {
          let obj
          try {
            obj = await client.get(resourcePath(t.r, namespace ?? client.namespace, name))
          } catch (err) {
            if (!(err instanceof ApiError && err.code === 404)) throw err
            if (cond.kind === 'delete') break
            if (t.names.length) throw err
          }
          if (obj && cond.kind !== 'delete' && waitMet(obj, cond)) break
          if (Date.now() >= deadline) throw new SkiffError(`timed out waiting for the condition on ${t.r.resource}/${name}`, {exitCode: 1})
          await new Promise((r) => setTimeout(r, 500))
        }
        this.log(`${typeName(t.r)}/${name} ${cond.kind === 'delete' ? 'deleted' : 'condition met'}`)
      }
    }
  }
}
