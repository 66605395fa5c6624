// ServiceAccounts controller: every active namespace has the `default` ServiceAccount, recreated if deleted (Kubernetes' serviceaccounts-controller).
import type {KubeObject} from '../../api/types.js'
import {type Clock, realClock} from '../../api/clock.js'
import {isAlreadyExists, isConflict, isForbidden, isNotFound} from '../../client/errors.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {messageOf} from '../util/errors.js'

/** The service accounts each namespace gets (Kubernetes makes only `default`). */
export const DEFAULT_SERVICE_ACCOUNTS = ['default']

export interface ServiceAccountsOptions {
  client: ControllerClient
  namespaces: Lister<KubeObject>
  serviceAccounts: Lister<KubeObject>
  clock?: Clock
  log?: (msg: string) => void
}

/** Keeps the default ServiceAccounts in place; the queue holds namespace names. */
export class ServiceAccountsController implements Controller {
  readonly name = 'serviceaccount'
  readonly queue: WorkQueue
  private readonly log: (msg: string) => void

  constructor(private readonly opts: ServiceAccountsOptions) {
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: opts.clock ?? realClock})
    const ns = (n: KubeObject) => this.queue.add(n.metadata.name!)
    opts.namespaces.addHandlers({onAdd: ns, onUpdate: (_o, n) => ns(n)})
    opts.serviceAccounts.addHandlers({
      onDelete: (sa) => {
        if (DEFAULT_SERVICE_ACCOUNTS.includes(sa.metadata.name!)) this.queue.add(sa.metadata.namespace!)
      },
    })
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    if (!(await this.opts.namespaces.waitForSync(signal)) || !(await this.opts.serviceAccounts.waitForSync(signal))) return
    await processQueue(this.queue, (key) => this.sync(key), {
      workers: 1,
      onError: (key, err: unknown) => isConflict(err) || this.log(`sync namespace ${key} failed (will retry): ${messageOf(err)}`),
    })
  }

  /** Creates the namespace's missing default ServiceAccounts; a namespace that is gone or terminating gets none. */
  async sync(namespace: string): Promise<void> {
    const ns = this.opts.namespaces.get(namespace)
    if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return
    for (const name of DEFAULT_SERVICE_ACCOUNTS) {
      if (this.opts.serviceAccounts.get(`${namespace}/${name}`)) continue
      await this.opts.client.create({version: 'v1', resource: 'serviceaccounts', namespace}, {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name, namespace}})
        .catch((err: unknown) => {
          // Already there (the cache lags), or the namespace started terminating or went meanwhile: nothing to do.
          if (!isAlreadyExists(err) && !isForbidden(err) && !isNotFound(err)) throw err
        })
    }
  }
}

/** Registry entry: over the manager's shared Namespace and ServiceAccount informers. */
export function newServiceAccountsController(ctx: ControllerContext): ServiceAccountsController {
  return new ServiceAccountsController({
    client: ctx.client,
    namespaces: ctx.informers.informer({version: 'v1', resource: 'namespaces'}),
    serviceAccounts: ctx.informers.informer({version: 'v1', resource: 'serviceaccounts'}),
    clock: ctx.clock,
    log: ctx.log,
  })
}
