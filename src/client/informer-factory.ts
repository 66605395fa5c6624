// Shares one informer per (collection, selectors) among the control loops of a process, so each watch runs once.
import type {KubeObject} from '../api/types.js'
import {Informer, type InformerOptions, type ListWatcher} from './informer.js'
import {type Target, toPath} from './paths.js'

/** Hands out shared informers and starts them together. */
export class InformerFactory {
  private informers = new Map<string, Informer<any>>()
  private signal?: AbortSignal
  private running: Promise<void>[] = []

  constructor(
    private readonly client: ListWatcher,
    private readonly defaults: InformerOptions = {},
  ) {}

  /** The shared informer of target with the given selectors (created on first request, started if the factory runs). */
  informer<T extends KubeObject = KubeObject>(target: Target, opts: {labelSelector?: string; fieldSelector?: string} = {}): Informer<T> {
    const key = `${toPath(target)}?l=${opts.labelSelector ?? ''}&f=${opts.fieldSelector ?? ''}`
    let inf = this.informers.get(key)
    if (!inf) {
      inf = new Informer<T>(this.client, target, {...this.defaults, ...opts})
      this.informers.set(key, inf)
      if (this.signal) this.running.push(inf.run(this.signal))
    }
    return inf as Informer<T>
  }

  /** Starts every informer created so far, and later ones as they are created, until signal aborts. */
  start(signal: AbortSignal): void {
    if (this.signal) return
    this.signal = signal
    for (const inf of this.informers.values()) this.running.push(inf.run(signal))
  }

  /** Resolves true when every informer has synced, false if signal aborts first. */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)))
    return results.every(Boolean)
  }

  /** Resolves when every started informer has stopped. */
  async stopped(): Promise<void> {
    await Promise.all(this.running)
  }
}

/** The informer of target from a shared factory when the component was given one (one watch per process), else its own. */
export function informerFor<T extends KubeObject = KubeObject>(shared: InformerFactory | undefined, client: ListWatcher, target: Target, opts: InformerOptions = {}): Informer<T> {
  return shared ? shared.informer<T>(target, {labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector}) : new Informer<T>(client, target, opts)
}
