// Base of the object commands: kubeconfig flags, a client, discovery with refresh on an unknown type, and the server's errors as one line.
import {Flags} from '@oclif/core'
import {SkiffCommand} from '../base.js'
import {SkiffError} from '../../errors.js'
import {KubeClient, type KubeFlags} from './client.js'
import {discover} from './discovery.js'
import {forKind, matchType, parseTargets, resourcePath} from './resolve.js'
import {ApiError, type KubeObject, type ResourceInfo} from './types.js'

/** The flags every object command takes, named as kubectl's. */
export const kubeFlags = {
  kubeconfig: Flags.string({description: 'kubeconfig file [default: $KUBECONFIG or ~/.kube/config]', helpGroup: 'KUBECONFIG'}),
  context: Flags.string({description: 'kubeconfig context to use', helpGroup: 'KUBECONFIG'}),
  namespace: Flags.string({char: 'n', description: 'namespace [default: the context\'s, else default]', helpGroup: 'KUBECONFIG'}),
}

export const allNamespacesFlag = {
  'all-namespaces': Flags.boolean({char: 'A', description: 'list across all namespaces'}),
}

/** Object commands extend this; it turns the server's Status errors into `Error from server (Reason): message`. */
export abstract class KubeCommand extends SkiffCommand {
  private kubeClient?: KubeClient
  private resourceList?: ResourceInfo[]
  private refreshed = false

  protected async client(flags: KubeFlags): Promise<KubeClient> {
    this.kubeClient ??= await KubeClient.fromFlags(flags)
    return this.kubeClient
  }

  /** The server's resource types (cached discovery). */
  protected async resources(): Promise<ResourceInfo[]> {
    if (!this.kubeClient) throw new Error('client() must be called before resources()')
    this.resourceList ??= await discover(this.kubeClient)
    return this.resourceList
  }

  /** Discovery again from the server, once per command: a type the cache does not know may be new (a CRD). */
  protected async refreshResources(force = false): Promise<boolean> {
    if ((this.refreshed && !force) || !this.kubeClient) return false
    this.refreshed = true
    this.resourceList = await discover(this.kubeClient, {refresh: true})
    return true
  }

  /** The types a word names, refreshing discovery once before giving up. */
  protected async resolveTypes(word: string): Promise<ResourceInfo[]> {
    let found = matchType(word, await this.resources())
    if (!found.length && (await this.refreshResources())) found = matchType(word, await this.resources())
    if (!found.length) throw new SkiffError(`the server doesn't have a resource type "${word}"`, {exitCode: 1})
    return found
  }

  /** The type of an apiVersion/kind, refreshing discovery once before giving up. */
  protected async typeOfKind(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    let found = forKind(apiVersion, kind, await this.resources())
    if (!found && (await this.refreshResources())) found = forKind(apiVersion, kind, await this.resources())
    return found
  }

  /** Exactly one type for a word (a category such as `all` is not allowed here). */
  protected async resolveType(word: string): Promise<ResourceInfo> {
    const found = await this.resolveTypes(word)
    if (found.length > 1) throw new SkiffError(`"${word}" names several resource types; name one`, {exitCode: 1})
    return found[0]
  }

  /** The types and names an argument list names (TYPE NAME..., TYPE/NAME..., TYPE1,TYPE2). */
  protected async targets(args: string[]): Promise<Array<{r: ResourceInfo; names: string[]}>> {
    const out: Array<{r: ResourceInfo; names: string[]}> = []
    for (const t of parseTargets(args)) for (const r of await this.resolveTypes(t.type)) out.push({r, names: t.names})
    return out
  }

  /** One object named TYPE/NAME (or TYPE NAME) in the command's namespace. */
  protected async oneObject(args: string[]): Promise<{r: ResourceInfo; obj: KubeObject}> {
    const [t, ...rest] = await this.targets(args)
    if (!t || rest.length || t.names.length !== 1) throw new SkiffError('name one object, as TYPE/NAME or TYPE NAME', {exitCode: 2})
    const client = await this.client({})
    return {r: t.r, obj: await client.get(resourcePath(t.r, client.namespace, t.names[0]))}
  }

  protected override async catch(err: Error & {exitCode?: number}): Promise<unknown> {
    if (err instanceof ApiError) {
      this.logToStderr(oneLine(err.describe()))
      this.exit(1)
    }
    // A user's mistake reads as kubectl's do (`error: ...`), which is what people who script these commands grep for.
    if (err instanceof SkiffError || err.name === 'SkiffError') {
      const e = err as SkiffError
      this.logToStderr(`error: ${e.message}`)
      for (const s of e.suggestions ?? []) this.logToStderr(`  hint: ${s}`)
      this.exit(e.exitCode ?? 1)
    }
    return super.catch(err)
  }
}

/** Folds a multi-line server message into one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}
