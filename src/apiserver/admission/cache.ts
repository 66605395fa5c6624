// An in-memory copy of one cluster-scoped kind (webhook configurations, policies), fed by a store list+watch.
import type {KubeObject} from '../../api/types.js'
import {resourcePrefix, type Store, type StoreEvent} from '../../store/index.js'

/**
 * Lists then watches `group/resource`; a watch that ends (compaction, lost connection) relists after a pause.
 * `items()` is sorted by name, the order Kubernetes calls webhooks in.
 */
export class KindCache {
  private map = new Map<string, KubeObject>()
  private sorted: KubeObject[] | undefined
  private cancel: (() => void) | undefined
  private closed = false
  readonly ready: Promise<void>

  constructor(private readonly store: Store, private readonly group: string, private readonly resource: string, private readonly retryMs = 1000) {
    this.ready = this.sync()
  }

  private async sync(): Promise<void> {
    const prefix = resourcePrefix(this.group, this.resource)
    const map = new Map<string, KubeObject>()
    let revision = 0
    let cont: string | undefined
    do {
      const page = await this.store.list(prefix, {continue: cont, limit: 500})
      for (const item of page.items) map.set(item.value.metadata.name ?? '', item.value)
      revision = revision || page.revision
      cont = page.continue
    } while (cont)
    this.map = map
    this.sorted = undefined
    if (this.closed) return
    this.cancel = this.store.watch(prefix, revision, {
      onEvent: (ev: StoreEvent) => {
        if (ev.type === 'delete') map.delete(ev.value.metadata.name ?? '')
        else map.set(ev.value.metadata.name ?? '', ev.value)
        this.sorted = undefined
      },
      onError: () => {
        if (this.closed) return
        setTimeout(() => void this.sync().catch(() => undefined), this.retryMs).unref()
      },
    })
  }

  items(): KubeObject[] {
    this.sorted ??= [...this.map.values()].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1))
    return this.sorted
  }

  get(name: string): KubeObject | undefined {
    return this.map.get(name)
  }

  close(): void {
    this.closed = true
    this.cancel?.()
  }
}
