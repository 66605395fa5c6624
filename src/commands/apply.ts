// `skiff apply -f`: creates or updates objects from manifests, one line per object, continuing past a failing document.
import {Flags} from '@oclif/core'
import {applyObject, dryRunSuffix, type ApplyOptions, type ApplyResult} from '../cli/kube/apply.js'
import {KubeCommand, kubeFlags, oneLine} from '../cli/kube/command.js'
import {loadManifests, type ManifestDoc} from '../cli/kube/manifest.js'
import {formatObjects} from '../cli/kube/printers.js'
import {apiVersionOf, appliedSet, DEFAULT_PRUNE_KINDS, parseAllowlist, pruneLeftovers, pruneScopes, type AppliedObject, type PruneKind} from '../cli/kube/prune.js'
import {ApiError, type ResourceInfo} from '../cli/kube/types.js'
import {labelGetter, parseSelector, requirementsMatch, SelectorError, type Requirement} from '../api/selectors.js'
import {SkiffError} from '../errors.js'

export default class Apply extends KubeCommand {
  static override summary = 'Create or update objects from manifest files, directories, URLs or stdin.'
  static override description = 'Like kubectl apply: multi-document YAML or JSON and List kinds; Namespaces and CustomResourceDefinitions go first. Client-side apply records the kubectl.kubernetes.io/last-applied-configuration annotation and sends only what changed; --server-side uses server-side apply. A document that fails is reported with its file and document number, and the others are still applied (exit code 1).'
  static override examples = [
    '<%= config.bin %> apply -f deploy.yaml',
    '<%= config.bin %> apply -f manifests/ -R',
    'cat app.yaml | <%= config.bin %> apply -f -',
    '<%= config.bin %> apply -f https://example.com/app.yaml --server-side --force-conflicts',
    '<%= config.bin %> apply -f app.yaml --dry-run=server -o yaml',
    '<%= config.bin %> apply -f manifests/ --prune -l app=web',
    '<%= config.bin %> apply -f manifests/ --prune --all --prune-allowlist core/v1/ConfigMap --prune-allowlist apps/v1/Deployment',
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
    selector: Flags.string({char: 'l', description: 'apply only the objects with these labels; with --prune, prune only those'}),
    prune: Flags.boolean({description: 'delete objects made by apply (with the last-applied annotation) that these manifests no longer contain; needs -l or --all'}),
    all: Flags.boolean({description: 'with --prune: prune without a label selector'}),
    'prune-allowlist': Flags.string({description: 'with --prune: a group/version/kind to prune (core/v1/ConfigMap); repeatable [default: kubectl\'s set]', multiple: true}),
  }

  /** Whether this run creates CRDs, so a custom resource's type may appear in discovery only after a moment. */
  private withCrds = false

  async run(): Promise<ApplyResult[]> {
    const {flags} = await this.parse(Apply)
    const pruneKinds = checkPruneFlags(flags)
    const selector = parseLabels(flags.selector)
    await this.client(flags)
    const loaded = await loadManifests(flags.filename, flags.recursive)
    const {problems} = loaded
    // -l picks which of the manifests' objects to apply, as kubectl's does.
    const docs = selector ? loaded.docs.filter((d) => requirementsMatch(selector, labelGetter(d.object.metadata?.labels))) : loaded.docs
    // Nothing left to apply is kubectl's error too, and keeps --prune from running with no namespaces to bound it.
    if (!docs.length && !problems.length) throw new SkiffError(`no objects passed to apply (none match the selector ${flags.selector})`, {exitCode: 1})
    let failed = problems.length > 0
    for (const p of problems) this.logToStderr(`error: ${p.source}${p.index ? ` (document ${p.index})` : ''}: ${p.message}`)
    const opts: ApplyOptions = {
      serverSide: flags['server-side'],
      dryRun: flags['dry-run'] as ApplyOptions['dryRun'],
      fieldManager: flags['field-manager'],
      forceConflicts: flags['force-conflicts'],
    }
    const results: ApplyResult[] = []
    // The type of each applied object, for pruning.
    const types = new Map<ApplyResult, ResourceInfo>()
    this.withCrds = docs.some((d) => d.object.kind === 'CustomResourceDefinition')
    for (const doc of docs) {
      try {
        const {type, ...result} = await this.applyDoc(doc, opts)
        results.push(result)
        types.set(result, type)
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
    // As kubectl, prune only after every object applied: a half-applied set must not delete what the rest still needs.
    if (pruneKinds && failed) this.logToStderr('error: not pruning: some objects failed to apply')
    else if (pruneKinds) {
      for (const ref of await this.prune(pruneKinds, results.map((r) => ({type: types.get(r)!, object: r.object})), {labelSelector: flags.selector, dryRun: opts.dryRun})) {
        const line = `${ref} pruned${dryRunSuffix(opts.dryRun)}`
        // With -o the applied objects own stdout (a JSON or YAML document), so what was pruned goes beside it.
        if (flags.output) this.logToStderr(line)
        else this.log(line)
      }
    }
    if (failed) this.exit(1)
    return results
  }

  /** Deletes the leftovers of the given kinds in the namespaces the apply touched (and cluster-wide unless -n). */
  private async prune(kinds: readonly PruneKind[], results: AppliedObject[], opts: {labelSelector?: string; dryRun: ApplyOptions['dryRun']}): Promise<string[]> {
    const client = await this.client({})
    const types: ResourceInfo[] = []
    for (const k of kinds) {
      const r = await this.typeOfKind(apiVersionOf(k), k.kind)
      if (r) types.push(r)
      // The default set may name kinds a server does not serve; a kind the user asked for must exist.
      else if (kinds !== DEFAULT_PRUNE_KINDS) throw new SkiffError(`--prune-allowlist: the server has no ${k.kind} in ${apiVersionOf(k)}`, {exitCode: 1})
    }
    const {applied, namespaces} = appliedSet(results)
    return pruneLeftovers(client, pruneScopes(types, namespaces, client.explicitNamespace), applied, opts)
  }

  private async applyDoc(doc: ManifestDoc, opts: ApplyOptions): Promise<ApplyResult & {type: ResourceInfo}> {
    const {apiVersion = '', kind = ''} = doc.object
    const type = await this.waitForType(apiVersion, kind)
    if (!type) throw new Error(`no matches for kind "${kind}" in version "${apiVersion}": is its CustomResourceDefinition installed?`)
    return {...(await applyObject(await this.client({}), type, doc.object, opts)), type}
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

/** The kinds --prune deletes, or undefined without --prune; refuses the flag combinations kubectl refuses. */
function checkPruneFlags(flags: {prune: boolean; selector?: string; all: boolean; 'prune-allowlist'?: string[]}): readonly PruneKind[] | undefined {
  if (flags.all && flags.selector) throw new SkiffError('cannot set --all and --selector at the same time', {exitCode: 1})
  if (!flags.prune) {
    if (flags['prune-allowlist']?.length) throw new SkiffError('--prune-allowlist must be used with --prune', {exitCode: 1})
    return undefined
  }
  if (!flags.selector && !flags.all) {
    throw new SkiffError('all resources selected for prune without explicitly passing --all. To prune all resources, pass the --all flag. If you did not mean to prune all resources, specify a label selector', {exitCode: 1})
  }
  return flags['prune-allowlist']?.length ? parseAllowlist(flags['prune-allowlist']) : DEFAULT_PRUNE_KINDS
}

/** The -l selector's requirements, or undefined without one. */
function parseLabels(selector: string | undefined): Requirement[] | undefined {
  if (!selector) return undefined
  try {
    return parseSelector(selector)
  } catch (err) {
    if (err instanceof SelectorError) throw new SkiffError(`invalid -l selector: ${err.message}`, {exitCode: 1})
    throw err
  }
}

/** `dir/app.yaml (document 2, Deployment web)`: where a failing object came from. */
function describeDoc(doc: ManifestDoc): string {
  const name = doc.object.metadata?.name
  return `${doc.source} (document ${doc.index}${doc.object.kind ? `, ${doc.object.kind}${name ? ` ${name}` : ''}` : ''})`
}
