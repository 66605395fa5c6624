// `skiff get`: lists objects with the server's own columns (Tables), or prints them as JSON, YAML, names or JSONPath.
import {Args, Flags} from '@oclif/core'
import {allNamespacesFlag, KubeCommand, kubeFlags, oneLine} from '../cli/kube/command.js'
import {fetchObjects, fetchTable, watchEvents, type Query} from '../cli/kube/fetch.js'
import {sortObjects, sortTable, withLabelColumns, type LabelColumns} from '../cli/kube/columns.js'
import {alignColumns, formatObjects, tableCells, type Table} from '../cli/kube/printers.js'
import {parseTargets} from '../cli/kube/resolve.js'
import {TABLE_ACCEPT} from '../cli/kube/client.js'
import {typeName, type ApiError, type KubeObject, type ResourceInfo} from '../cli/kube/types.js'

export default class Get extends KubeCommand {
  static override summary = 'Show objects: the server\'s columns, or JSON, YAML, names or JSONPath.'
  static override description = 'Types, short names and categories (`all`) come from the server\'s discovery, so custom resources work like built-in ones. Columns are the server\'s Table output, as kubectl shows them.'
  static override strict = false
  static override examples = [
    '<%= config.bin %> get pods',
    '<%= config.bin %> get deploy web -o yaml',
    '<%= config.bin %> get pods -A -l app=web -o wide',
    '<%= config.bin %> get all -n demo',
    '<%= config.bin %> get deploy/web svc/web',
    '<%= config.bin %> get pods -o jsonpath=\'{.items[*].metadata.name}\'',
    '<%= config.bin %> get pods -w',
    '<%= config.bin %> get pods --show-labels',
    '<%= config.bin %> get pods -L app -L tier',
    '<%= config.bin %> get pods --sort-by=.metadata.creationTimestamp',
  ]
  static override args = {type: Args.string({description: 'TYPE, TYPE/NAME or TYPE1,TYPE2, then names', required: true})}
  static override flags = {
    ...kubeFlags,
    ...allNamespacesFlag,
    selector: Flags.string({char: 'l', description: 'label selector, e.g. app=web,tier!=db'}),
    'field-selector': Flags.string({description: 'field selector, e.g. status.phase=Running'}),
    output: Flags.string({char: 'o', description: 'wide, json, yaml, name or jsonpath=TEMPLATE'}),
    watch: Flags.boolean({char: 'w', description: 'after listing, keep printing changes'}),
    'no-headers': Flags.boolean({description: 'omit the column headers'}),
    'show-labels': Flags.boolean({description: 'add a LABELS column with each object\'s labels'}),
    'label-columns': Flags.string({char: 'L', description: 'add a column with the value of each of these labels (KEY[,KEY]; repeatable)', multiple: true, delimiter: ','}),
    'sort-by': Flags.string({description: 'sort by the value of a JSONPath over the objects, e.g. .metadata.name or {.status.startTime}'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Get)
    const client = await this.client(flags)
    const groups: Array<{r: ResourceInfo; names: string[]}> = []
    for (const t of parseTargets(argv as string[])) for (const r of await this.resolveTypes(t.type)) groups.push({r, names: t.names})
    const query = (names: string[]): Query => ({
      namespace: flags['all-namespaces'] ? undefined : client.namespace,
      names,
      labelSelector: flags.selector,
      fieldSelector: flags['field-selector'],
    })
    const errors: ApiError[] = []
    const output = flags.output
    if (output && output !== 'wide') {
      let objects: KubeObject[] = []
      for (const g of groups) {
        const f = await fetchObjects(client, g.r, query(g.names))
        objects.push(...f.result)
        errors.push(...f.errors)
      }
      if (flags['sort-by']) objects = sortObjects(objects, flags['sort-by'])
      const single = groups.length === 1 && groups[0].names.length === 1 && objects.length === 1
      const text = formatObjects(output, objects, (o) => `${typeName(groupOf(o))}/${o.metadata?.name}`, single)
      // JSONPath output ends where the template ends, as kubectl's does; lists of nothing still print an empty List.
      if (output.startsWith('jsonpath')) process.stdout.write(text)
      else if (objects.length || output === 'json' || output === 'yaml') this.log(text)
    } else {
      let printed = 0
      const many = groups.length > 1
      let first: Table | undefined
      const labels: LabelColumns = {labelColumns: flags['label-columns'], showLabels: flags['show-labels']}
      const sort = flags['sort-by']
      for (const g of groups) {
        // Sorting reads fields beyond metadata, so the rows must carry whole objects, as kubectl asks for them.
        const f = await fetchTable(client, g.r, query(g.names), {includeObject: sort ? 'Object' : undefined})
        errors.push(...f.errors)
        first ??= f.result
        // `get all` leaves out empty types, as kubectl does.
        if (!f.result.rows.length) continue
        const table = withLabelColumns(sort ? sortTable(f.result, sort) : f.result, labels)
        const lines = alignColumns(tableCells(table, {wide: output === 'wide', withNamespace: flags['all-namespaces'] && g.r.namespaced, typePrefix: many ? typeName(g.r) : undefined, noHeaders: flags['no-headers']}))
        if (printed++) this.log('')
        for (const l of lines) this.log(l)
      }
      if (!printed && !errors.length && !flags.watch) {
        this.logToStderr(flags['all-namespaces'] || groups.every((g) => !g.r.namespaced) ? 'No resources found' : `No resources found in ${client.namespace} namespace.`)
      }
      if (flags.watch && groups.length === 1) await this.watch(groups[0].r, query(groups[0].names), first, output === 'wide', flags['all-namespaces'], labels)
    }
    for (const e of errors) this.logToStderr(oneLine(e.describe()))
    if (errors.length) this.exit(1)
  }

  /** Prints each change as a row in the columns of the first listing, until interrupted. */
  private async watch(r: ResourceInfo, q: Query, first: Table | undefined, wide: boolean, allNs: boolean, labels: LabelColumns): Promise<void> {
    const client = await this.client({})
    let widths: number[] | undefined
    for await (const ev of watchEvents(client, r, q, {resourceVersion: first?.metadata?.resourceVersion, accept: TABLE_ACCEPT})) {
      if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') continue
      const table = ev.object as unknown as Table
      if (!table.rows) continue
      const cols = table.columnDefinitions?.length ? table.columnDefinitions : first?.columnDefinitions ?? []
      const rows = tableCells(withLabelColumns({...table, columnDefinitions: cols}, labels), {wide, withNamespace: allNs && r.namespaced, noHeaders: true})
      // Widths of the first listing's columns keep watched rows under their headers, as kubectl's tabwriter does.
      widths ??= first ? alignWidths(tableCells(withLabelColumns({...first, columnDefinitions: cols}, labels), {wide, withNamespace: allNs && r.namespaced})) : undefined
      for (const row of rows) this.log(row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(Math.max((widths?.[i] ?? c.length) + 3, 6, c.length + 3)))).join(''))
    }
  }
}

function alignWidths(rows: string[][]): number[] {
  const widths: number[] = []
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)))
  return widths
}

/** The group of an object's apiVersion, with its kind, for `deployment.apps/web`. */
function groupOf(o: KubeObject): {kind: string; group: string} {
  const av = o.apiVersion ?? ''
  return {kind: o.kind ?? '', group: av.includes('/') ? av.slice(0, av.indexOf('/')) : ''}
}
