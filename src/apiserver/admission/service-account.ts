// ServiceAccount admission: a new pod runs as an existing ServiceAccount (default: `default`), takes its pull secrets, and unless automount is off mounts a kube-api-access projected volume.
import type {KubeObject} from '../../api/types.js'
import type {Container, Pod, Volume} from '../../api/types/workloads.js'
import type {ServerContext} from '../context.js'
import {keyOf} from '../context.js'
import {ApiError} from '../errors.js'
import type {AdmissionAttributes, AdmissionPlugin} from './types.js'

export const DEFAULT_SERVICE_ACCOUNT = 'default'
/** Where the token, ca.crt and namespace files appear in every container. */
export const DEFAULT_API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount'
export const SERVICE_ACCOUNT_VOLUME_PREFIX = 'kube-api-access-'
/** Kubernetes asks for 1h+7s: the 7 seconds mark tokens the kubelet refreshes (and which the apiserver may extend). */
export const TOKEN_EXPIRATION_SECONDS = 3607
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror'
/** Kubernetes' name-suffix alphabet (no vowels, no look-alikes), as its generateName uses. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789'

/** How the plugin finds ServiceAccounts and picks random suffixes; the store and Math.random by default. */
export interface ServiceAccountAdmissionOptions {
  /** Times `default` is looked up before giving up: the controller may not have made it yet in a fresh namespace. */
  defaultAttempts?: number
  retryMs?: number
  random?: () => number
}

/** The projected volume every automounting pod gets: the bound token, the cluster CA and the namespace. */
export function apiAccessVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        {serviceAccountToken: {path: 'token', expirationSeconds: TOKEN_EXPIRATION_SECONDS}},
        {configMap: {name: 'kube-root-ca.crt', items: [{key: 'ca.crt', path: 'ca.crt'}]}},
        {downwardAPI: {items: [{path: 'namespace', fieldRef: {apiVersion: 'v1', fieldPath: 'metadata.namespace'}}]}},
      ],
    },
  }
}

/** The pod's own setting wins over the ServiceAccount's; both unset means mount. */
export function shouldAutomount(sa: KubeObject, pod: Pod): boolean {
  const podSetting = pod.spec?.automountServiceAccountToken
  if (podSetting !== undefined && podSetting !== null) return podSetting
  const saSetting = (sa as {automountServiceAccountToken?: boolean}).automountServiceAccountToken
  return saSetting !== false
}

/**
 * Adds the token volume and a read-only mount of it to every container that has nothing at the mount path yet;
 * a kube-api-access-* volume the pod already has (a copied spec) is reused rather than doubled.
 */
export function mountServiceAccountToken(pod: Pod, random: () => number = Math.random): void {
  const spec = (pod.spec ??= {containers: []})
  const existing = (spec.volumes ?? []).find((v) => v.name.startsWith(SERVICE_ACCOUNT_VOLUME_PREFIX))
  let name = existing?.name
  if (!name) {
    const taken = new Set((spec.volumes ?? []).map((v) => v.name))
    do {
      name = SERVICE_ACCOUNT_VOLUME_PREFIX + Array.from({length: 5}, () => ALPHANUMS[Math.floor(random() * ALPHANUMS.length)]).join('')
    } while (taken.has(name))
  }
  let needed = false
  const lists: (Container[] | undefined)[] = [spec.initContainers, spec.containers, spec.ephemeralContainers]
  for (const list of lists) {
    for (const c of list ?? []) {
      // Something already mounted at the path (the user's own token, say) keeps the container out of it.
      if ((c.volumeMounts ?? []).some((m) => m.mountPath === DEFAULT_API_TOKEN_MOUNT_PATH)) continue
      ;(c.volumeMounts ??= []).push({name, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH})
      needed = true
    }
  }
  if (needed && !existing) (spec.volumes ??= []).push(apiAccessVolume(name))
}

function forbidden(a: AdmissionAttributes, detail: string): ApiError {
  // A generateName pod has no name yet: Kubernetes quotes the prefix (`pods "web-7c5d-" is forbidden: ...`).
  const md = a.object?.metadata
  const name = md?.name || a.name || md?.generateName || ''
  const message = name ? `pods "${name}" is forbidden: ${detail}` : `pods is forbidden: ${detail}`
  return new ApiError(403, 'Forbidden', message, {name, group: '', kind: 'pods'})
}

/** The ServiceAccount admission plugin (mutating, pod CREATE only; mirror pods are left as the node wrote them). */
export function serviceAccountAdmission(opts: ServiceAccountAdmissionOptions = {}): AdmissionPlugin<ServerContext> {
  const attempts = opts.defaultAttempts ?? 10
  const retryMs = opts.retryMs ?? 150
  const random = opts.random ?? Math.random

  async function lookup(ctx: ServerContext, namespace: string, name: string): Promise<KubeObject | undefined> {
    const def = ctx.registry.lookup('', 'v1', 'serviceaccounts')
    if (!def) return undefined
    const tries = name === DEFAULT_SERVICE_ACCOUNT ? attempts : 1
    for (let i = 0; i < tries; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, retryMs))
      const stored = await ctx.store.get(keyOf(def, namespace, name))
      if (stored) return stored.value
    }
    return undefined
  }

  return {
    name: 'ServiceAccount',
    operations: ['CREATE'],
    async mutate(a, ctx) {
      if (a.def.group !== '' || a.def.resource !== 'pods' || a.subresource || !a.object || !a.namespace) return
      const pod = a.object as Pod
      pod.spec ??= {containers: []}
      if (pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) {
        // A node's static pod must not gain volumes the node never asked for.
        return
      }
      const spec = pod.spec
      if (!spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount || DEFAULT_SERVICE_ACCOUNT
      spec.serviceAccount = spec.serviceAccountName
      const sa = await lookup(ctx, a.namespace, spec.serviceAccountName)
      if (!sa) throw forbidden(a, `error looking up service account ${a.namespace}/${spec.serviceAccountName}: serviceaccount "${spec.serviceAccountName}" not found`)
      if (shouldAutomount(sa, pod)) mountServiceAccountToken(pod, random)
      // A pod naming no pull secrets gets its ServiceAccount's.
      const pullSecrets = (sa as {imagePullSecrets?: {name?: string}[]}).imagePullSecrets ?? []
      const own = spec.imagePullSecrets as unknown[] | undefined
      if ((!own || own.length === 0) && pullSecrets.length > 0) spec.imagePullSecrets = pullSecrets.map((r) => ({name: r.name}))
    },
  }
}
