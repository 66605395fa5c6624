// `skiff apply -f`: creates or updates objects from manifests, one line per object, continuing past a failing document.
import {Flags} from '@oclif/core'
import {applyObject, dryRunSuffix, type ApplyOptions, type ApplyResult} from '../cli/kube/apply.js'
import {KubeCommand, kubeFlags, oneLine} from '../cli/kube/command.js'
import {loadManifests, type ManifestDoc} from '../cli/kube/manifest.js'
import {formatObjects} from '../cli/kube/printers.js'
import {ApiError} from '../cli/kube/types.js'

export default class Apply extends KubeCommand {
  static override summary = 'Create or update objects from manifest files, directories, URLs or stdin.'
  static override description = 'Like kubectl apply: multi-document YAML or JSON and List kinds; Namespaces and CustomResourceDefinitions go first. Client-side apply records the kubectl.kubernetes.io/last-applied-configuration annotation and sends only what changed; --server-side uses server-side apply. A document that fails is reported with its file and document number, and the others are still applied (exit code 1).'
  static override examples = [
    '<%= config.bin %> apply -f deploy.yaml',
    '<%= config.bin %> apply -f manifests/ -R',
    'cat app.yaml | <%= config.bin %> apply -f -',
    '<%= config.bin %> apply -f https://example.com/app.yaml --server-side --force-conflicts',
    '<%= config.bin %> apply -f app.yaml --dry-run=server -o yaml',
  ]
  static override flags = {
    ...kubeFlags,
    filename: Flags.string({char: 'f', description: 'file, directory, URL or - for stdin', multiple: true, required: true}),
    recursive: Flags.boolean({char: 'R', description: 'read directories recursively'}),
    'server-side': Flags.boolean({description: 'use server-side apply'}),
    'force-conflicts': Flags.boolean({description: 'with --server-side: take over fields other managers own'}),
    'dry-run': Flags.string({description: 'only show what would happen', options: ['none', 'client', 'server'], default: 'none'}),
    'field-manager': Flags.string({description: 'name of the field manager [default: skiff, or skiff-client-side-apply]'}),
    output: Flags.string({char: 'o', description: 'print the applied objects: json, yaml or name'}),
  }

  /** Whether this run creates CRDs, so a custom resource's type may appear in discovery only after a moment. */
  private withCrds = false

  async run(): Promise<ApplyResult[]> {
    const {flags} = await this.parse(Apply)
    await this.client(flags)
    const {docs, problems} = await loadManifests(flags.filename, flags.recursive)
    let failed = problems.length > 0
    for (const p of problems) this.logToStderr(`error: ${p.source}${p.index ? ` (document ${p.index})` : ''}: ${p.message}`)
    const opts: ApplyOptions = {
      serverSide: flags['server-side'],
      dryRun: flags['dry-run'] as ApplyOptions['dryRun'],
      fieldManager: flags['field-manager'],
      forceConflicts: flags['force-conflicts'],
    }
    const results: ApplyResult[] = []
    this.withCrds = docs.some((d) => d.object.kind === 'CustomResourceDefinition')
    for (const doc of docs) {
      try {
        const result = await this.applyDoc(doc, opts)
        results.push(result)
        if (!flags.output) this.log(`${result.ref} ${result.outcome}${dryRunSuffix(opts.dryRun)}`)
      } catch (err) {
        failed = true
        this.logToStderr(`error: ${describeDoc(doc)}: ${oneLine(err instanceof ApiError ? err.describe() : (err as Error).message)}`)
      }
    }
    if (flags.output) {
      const objects = results.flatMap((r) => (r.object ? [r.object] : []))
      this.log(formatObjects(flags.output, objects, (o) => results.find((r) => r.object === o)?.ref ?? '', objects.length === 1))
    }
    if (failed) this.exit(1)
    return results
  }

  private async applyDoc(doc: ManifestDoc, opts: ApplyOptions): Promise<ApplyResult> {
    const {apiVersion = '', kind = ''} = doc.object
    const type = await this.waitForType(apiVersion, kind)
    if (!type) throw new Error(`no matches for kind "${kind}" in version "${apiVersion}": is its CustomResourceDefinition installed?`)
    return applyObject(await this.client({}), type, doc.object, opts)
  }

  /** A custom resource right after its CRD: discovery shows the type once the CRD is established, so allow it a few seconds. */
  private async waitForType(apiVersion: string, kind: string) {
    const deadline = Date.now() + 10_000
    for (;;) {
      const found = await this.typeOfKind(apiVersion, kind)
      if (found || !this.withCrds || Date.now() > deadline) return found
      await new Promise((r) => setTimeout(r, 500))
      await this.refreshResources(true)
    }
  }
}

/** `dir/app.yaml (document 2, Deployment web)`: where a failing object came from. */
function describeDoc(doc: ManifestDoc): string {
  const name = doc.object.metadata?.name
  return `${doc.source} (document ${doc.index}${doc.object.kind ? `, ${doc.object.kind}${name ? ` ${name}` : ''}` : ''})`
}
