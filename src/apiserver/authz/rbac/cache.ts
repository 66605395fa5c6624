// An in-memory copy of Roles, ClusterRoles and their bindings, fed by a store list+watch, so authorizing reads no store.
import type {KubeObject} from '../../../api/types.js'
import {resourcePrefix, type Store, type StoreEvent} from '../../../store/index.js'
import {RBAC_GROUP} from '../../../api/resources/rbac/shared.js'
import {emptyRbacObjects, type RbacObjects} from './resolver.js'

const KINDS: Array<[keyof RbacObjects, string]> = [['roles', 'roles'], ['clusterRoles', 'clusterroles'], ['roleBindings', 'rolebindings'], ['clusterRoleBindings', 'clusterrolebindings']]

const idOf = (o: KubeObject): string => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name ?? '')

/** Lists then watches the four kinds; a watch that ends (compaction, lost connection) relists after a short pause. */
export class RbacCache {
  objects: RbacObjects = emptyRbacObjects()
  private readonly cancels: Array<() => void> = []
  private closed = false
  /** Resolves once every kind has been listed (authorizing waits for it: an empty cache would deny everyone). */
  readonly ready: Promise<void>

  constructor(private readonly store: Store, private readonly retryMs = 1000) {
    this.ready = Promise.all(KINDS.map(([field, resource]) => this.sync(field, resource))).then(() => undefined)
  }

  private async sync(field: keyof RbacObjects, resource: string): Promise<void> {
    const prefix = resourcePrefix(RBAC_GROUP, resource)
    const map = new Map<string, KubeObject>()
    let revision = 0
    let cont: string | undefined
    do {
      const page = await this.store.list(prefix, {continue: cont, limit: 500})
      for (const item of page.items) map.set(idOf(item.value), item.value)
      revision = revision || page.revision
      cont = page.continue
    } while (cont)
    this.objects = {...this.objects, [field]: map}
    if (this.closed) return
    const cancel = this.store.watch(prefix, revision, {
      onEvent: (ev: StoreEvent) => {
        if (ev.type === 'delete') map.delete(idOf(ev.value))
        else map.set(idOf(ev.value), ev.value)
      },
      onError: () => {
        if (this.closed) return
        setTimeout(() => void this.sync(field, resource).catch(() => undefined), this.retryMs).unref()
      },
    })
    this.cancels.push(cancel)
  }

  close(): void {
    this.closed = true
    for (const c of this.cancels.splice(0)) c()
  }
}
