// The controller manager: builds the registered control loops over one client and shared informers, runs them until stopped.
import {setMaxListeners} from 'node:events'
import type {ApiClient} from '../client/api-client.js'
import {type Clock, realClock} from '../api/clock.js'
import {InformerFactory} from '../client/informer-factory.js'
import type {Controller, ControllerClient, ControllerContext, ControllerFactory} from './types.js'
import {defaultControllers} from './registry.js'

/** Options of a controller manager. */
export interface ManagerOptions {
  client: ControllerClient | ApiClient
  clock?: Clock
  env?: NodeJS.ProcessEnv
  log?: (msg: string) => void
  /** Registry of loops by name (the default registry when absent). */
  controllers?: Record<string, ControllerFactory>
  /** Names to run; all registered loops when absent. */
  enabled?: string[]
  /** Informers to share with other loops of the process (the scheduler); the manager starts them in run(). */
  informers?: InformerFactory
  /** The cluster CA certificate (PEM) for the root-ca-cert-publisher. */
  rootCA?: string
}

/** Runs a set of controllers sharing informers. */
export class ControllerManager {
  readonly controllers: Controller[]
  private readonly ctx: ControllerContext

  constructor(opts: ManagerOptions) {
    const log = opts.log ?? (() => {})
    const clock = opts.clock ?? realClock
    const informers = opts.informers ?? new InformerFactory(opts.client, {clock, log})
    this.ctx = {client: opts.client, informers, clock, env: opts.env ?? process.env, log, rootCA: opts.rootCA}
    const registry = opts.controllers ?? defaultControllers
    const names = opts.enabled ?? Object.keys(registry)
    this.controllers = names.map((name) => {
      const factory = registry[name]
      if (!factory) throw new Error(`unknown controller ${name}`)
      // Each factory asks the shared factory for its informers; all are created before start() so each watch runs once.
      return factory({...this.ctx, log: (msg) => log(`${name}: ${msg}`)})
    })
  }

  /** The informers the controllers share; other loops of the process may take theirs from here too. */
  get informers(): InformerFactory {
    return this.ctx.informers
  }

  /** Starts the informers and every controller; resolves when signal aborts and all have stopped. */
  async run(signal: AbortSignal): Promise<void> {
    // Every informer and loop listens on this one signal (the garbage collector alone watches dozens of resources).
    setMaxListeners(0, signal)
    this.ctx.informers.start(signal)
    this.ctx.log(`starting controllers: ${this.controllers.map((c) => c.name).join(', ')}`)
    await Promise.all(
      this.controllers.map((c) =>
        c.run(signal).catch((err) => {
          // One broken loop must not take the others down.
          this.ctx.log(`${c.name}: stopped with error: ${err?.stack ?? err}`)
        }),
      ),
    )
    await this.ctx.informers.stopped()
  }
}
