// Root CA certificate publisher: every active namespace has ConfigMap kube-root-ca.crt holding the cluster CA (Kubernetes' root-ca-cert-publisher).
import type {KubeObject} from '../../api/types.js'
import {type Clock, realClock} from '../../api/clock.js'
import {isAlreadyExists, isConflict, isForbidden, isNotFound} from '../../client/errors.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {messageOf} from '../util/errors.js'

/** The ConfigMap's name and key, which pods' kube-api-access volumes project as ca.crt. */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt'
export const ROOT_CA_KEY = 'ca.crt'
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description'
/** Kubernetes' wording for the annotation, so tools that show it read the same. */
export const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. ' +
  'No other usage is guaranteed across distributions of Kubernetes clusters.'

type ConfigMap = KubeObject & {data?: Record<string, string>}

export interface RootCACertPublisherOptions {
  client: ControllerClient
  namespaces: Lister<KubeObject>
  configMaps: Lister<KubeObject>
  /** The cluster CA certificate (PEM). */
  rootCA: string
  clock?: Clock
  log?: (msg: string) => void
}

/** Keeps kube-root-ca.crt in every namespace: created when missing, recreated on delete, its data put back on edit. */
export class RootCACertPublisher implements Controller {
  readonly name = 'root-ca-cert-publisher'
  readonly queue: WorkQueue
  private readonly log: (msg: string) => void

  constructor(private readonly opts: RootCACertPublisherOptions) {
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: opts.clock ?? realClock})
    const ns = (n: KubeObject) => this.queue.add(n.metadata.name!)
    opts.namespaces.addHandlers({onAdd: ns, onUpdate: (_o, n) => ns(n)})
    const cm = (c: KubeObject) => {
      if (c.metadata.name === ROOT_CA_CONFIGMAP) this.queue.add(c.metadata.namespace!)
    }
    opts.configMaps.addHandlers({onUpdate: (_o, c) => cm(c), onDelete: cm})
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    if (!(await this.opts.namespaces.waitForSync(signal)) || !(await this.opts.configMaps.waitForSync(signal))) return
    await processQueue(this.queue, (key) => this.sync(key), {
      workers: 1,
      onError: (key, err: unknown) => isConflict(err) || this.log(`sync namespace ${key} failed (will retry): ${messageOf(err)}`),
    })
  }

  /** Creates or repairs the namespace's kube-root-ca.crt; a namespace that is gone or terminating is left alone. */
  async sync(namespace: string): Promise<void> {
    const ns = this.opts.namespaces.get(namespace)
    if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return
    const target = {version: 'v1', resource: 'configmaps', namespace}
    const data = {[ROOT_CA_KEY]: this.opts.rootCA}
    const existing = this.opts.configMaps.get(`${namespace}/${ROOT_CA_CONFIGMAP}`) as ConfigMap | undefined
    if (!existing) {
      const body: ConfigMap = {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: ROOT_CA_CONFIGMAP, namespace, annotations: {[DESCRIPTION_ANNOTATION]: DESCRIPTION}}, data}
      await this.opts.client.create(target, body).catch((err: unknown) => {
        // Already there (the cache lags), or the namespace started terminating or went meanwhile: nothing to do.
        if (!isAlreadyExists(err) && !isForbidden(err) && !isNotFound(err)) throw err
      })
      return
    }
    const current = existing.data ?? {}
    const dataOk = Object.keys(current).length === 1 && current[ROOT_CA_KEY] === this.opts.rootCA
    const annotations = existing.metadata.annotations ?? {}
    if (dataOk && annotations[DESCRIPTION_ANNOTATION] === DESCRIPTION) return
    // Only the data and the description are ours; other metadata (labels, owner's annotations) stays as edited.
    const body: ConfigMap = {...existing, metadata: {...existing.metadata, annotations: {...annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION}}, data}
    delete (body as {binaryData?: unknown}).binaryData
    await this.opts.client.update({...target, name: ROOT_CA_CONFIGMAP}, body).catch((err: unknown) => {
      if (!isNotFound(err)) throw err
      // Deleted under us: the delete event queues the namespace again and the next sync recreates it.
    })
  }
}

/** Does nothing: a manager without the cluster CA (some tests) has nothing to publish. */
class Idle implements Controller {
  readonly name = 'root-ca-cert-publisher'
  async run(): Promise<void> {}
}

/** Registry entry: over the manager's shared Namespace and ConfigMap informers, with the CA the manager was given. */
export function newRootCACertPublisher(ctx: ControllerContext): Controller {
  if (!ctx.rootCA) {
    ctx.log('no cluster CA given: kube-root-ca.crt is not published')
    return new Idle()
  }
  return new RootCACertPublisher({
    client: ctx.client,
    namespaces: ctx.informers.informer({version: 'v1', resource: 'namespaces'}),
    configMaps: ctx.informers.informer({version: 'v1', resource: 'configmaps'}),
    rootCA: ctx.rootCA,
    clock: ctx.clock,
    log: ctx.log,
  })
}
