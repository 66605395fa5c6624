// The admission chain's shapes: what a plugin sees about a write, and the two phases it can take part in.
import type {ResourceDef} from '../../api/registry.js'
import type {KubeObject} from '../../api/types.js'
import type {UserInfo} from '../authn.js'

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT'

/** One write as admission sees it (Kubernetes' admission.Attributes). */
export interface AdmissionAttributes {
  operation: AdmissionOperation
  def: ResourceDef
  namespace?: string
  /** The object's name (empty for a create with generateName before the name is picked). */
  name: string
  subresource?: string
  /** The object being written (CREATE/UPDATE; mutating plugins change it in place). */
  object?: KubeObject
  /** The stored object (UPDATE/DELETE). */
  oldObject?: KubeObject
  user: UserInfo
  dryRun: boolean
  /** The operation's options (CreateOptions, UpdateOptions, DeleteOptions), for webhooks. */
  options?: unknown
  /** Sends a Warning header with the response, when the caller has one (PodSecurity's warn mode). */
  warn?: (text: string) => void
}

/**
 * An admission plugin. `mutate` runs first, in chain order, and may change `attrs.object`; `validate` runs after
 * the kind's own validation and must not change anything. Either throws an ApiError to refuse the write.
 * `ctx` is the server context (typed loosely here to keep this module free of a cycle with context.ts).
 */
export interface AdmissionPlugin<Ctx = unknown> {
  name: string
  /** Operations the plugin cares about; default all. */
  operations?: AdmissionOperation[]
  mutate?(attrs: AdmissionAttributes, ctx: Ctx): Promise<void> | void
  validate?(attrs: AdmissionAttributes, ctx: Ctx): Promise<void> | void
}
