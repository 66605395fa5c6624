// What a control loop is and what the manager gives it.
import type {KubeObject} from '../api/types.js'
import type {ApiClient} from '../client/api-client.js'
import type {Clock} from '../api/clock.js'
import type {InformerHandlers} from '../client/informer.js'
import type {InformerFactory} from '../client/informer-factory.js'

/** The API calls controllers make (a recording fake in tests). */
export type ControllerClient = Pick<ApiClient, 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete' | 'watch'>

/** A read-only view of an informer's cache plus its event hooks: all a controller needs from it. */
export interface Lister<T extends KubeObject = KubeObject> {
  get(key: string): T | undefined
  list(): T[]
  addHandlers(h: InformerHandlers<T>): void
  waitForSync(signal?: AbortSignal): Promise<boolean>
}

/** Shared dependencies of the controllers of one manager. */
export interface ControllerContext {
  client: ControllerClient
  informers: InformerFactory
  clock: Clock
  env: NodeJS.ProcessEnv
  log: (msg: string) => void
  /** The cluster CA certificate (PEM), published to every namespace as kube-root-ca.crt; absent in some tests. */
  rootCA?: string
}

/** One control loop. run() returns when signal aborts. */
export interface Controller {
  readonly name: string
  run(signal: AbortSignal): Promise<void>
}

/** Builds a controller from the shared context; registered by name in the manager's registry. */
export type ControllerFactory = (ctx: ControllerContext) => Controller
