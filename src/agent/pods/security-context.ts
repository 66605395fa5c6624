// A container's effective security context (pod-level defaults under the container's own) and what it asks of the runtime, as the kubelet derives it.
import type {Container, Pod, SecurityContext} from '../../api/types/workloads.js'
import {ConfigError} from './env.js'

/** The fields a container inherits from the pod's security context when it does not set them itself. */
export function effectiveSecurityContext(pod: Pod, container: Container): SecurityContext {
  const psc = pod.spec?.securityContext ?? {}
  const sc = container.securityContext ?? {}
  return {
    ...sc,
    runAsUser: sc.runAsUser ?? psc.runAsUser,
    runAsGroup: sc.runAsGroup ?? psc.runAsGroup,
    runAsNonRoot: sc.runAsNonRoot ?? psc.runAsNonRoot,
    seccompProfile: sc.seccompProfile ?? psc.seccompProfile,
  }
}

/** The pod's extra groups every container process gets: supplementalGroups, then fsGroup. */
export function podSupplementalGroups(pod: Pod): number[] {
  const psc = pod.spec?.securityContext ?? {}
  const groups = [...(psc.supplementalGroups ?? [])]
  if (psc.fsGroup !== undefined && !groups.includes(psc.fsGroup)) groups.push(psc.fsGroup)
  return groups
}

/** The user an image runs as, from the runtime's image status: a numeric uid, a name, or neither (root). */
export interface ImageUser {
  uid?: number
  username?: string
}

/**
 * Refuses a container that must not run as root but would (the kubelet's check before every create; its messages).
 * Only a numeric user can be verified; an image that names no user runs as root.
 */
export function verifyRunAsNonRoot(pod: Pod, container: Container, image: ImageUser | undefined): void {
  const sc = effectiveSecurityContext(pod, container)
  if (sc.runAsNonRoot !== true) return
  // The kubelet names the pod as name_namespace(uid), quoted.
  const desc = `${pod.metadata.name}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid})`
  const where = `(pod: ${JSON.stringify(desc)}, container: ${container.name})`
  if (sc.runAsUser !== undefined) {
    if (sc.runAsUser === 0) throw new ConfigError(`container's runAsUser breaks non-root policy ${where}`)
    return
  }
  if (image?.uid === undefined && image?.username) {
    throw new ConfigError(`container has runAsNonRoot and image has non-numeric user (${image.username}), cannot verify user is non-root ${where}`)
  }
  const uid = image?.uid ?? 0
  if (uid === 0) throw new ConfigError(`container has runAsNonRoot and image will run as root ${where}`)
  if (uid < 0 || uid > 2 ** 31 - 1) {
    throw new ConfigError(`container has runAsNonRoot and image has an invalid user id (${uid}). (Must be 1-(${2 ** 31 - 1})): must be between 0 and ${2 ** 31 - 1}, inclusive ${where}`)
  }
}

/** What a Default procMount hides (a read of these leaks host details) and write-protects, as Docker and the kubelet list them. */
export const DEFAULT_MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
]
export const DEFAULT_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']

/** Docker's `seccomp=` value for a profile: unconfined unless RuntimeDefault (or a node-local profile) is asked for. */
export function seccompOption(profile: SecurityContext['seccompProfile'], privileged: boolean): string {
  // A privileged container runs unconfined whatever its profile says, as the kubelet has it.
  if (privileged || !profile) return 'unconfined'
  switch (profile.type) {
    case 'RuntimeDefault':
      return 'runtime/default'
    case 'Localhost':
      return `localhost/${profile.localhostProfile ?? ''}`
    default:
      return 'unconfined'
  }
}

/**
 * The Docker Engine API host config fields of a container's security context (cri/translate.ts turns them into the
 * CRI's LinuxContainerSecurityContext): privileges, capabilities, groups, seccomp, /proc masking, no_new_privs.
 */
export function securityHostConfig(pod: Pod, container: Container): Record<string, unknown> {
  const sc = effectiveSecurityContext(pod, container)
  const privileged = sc.privileged === true
  const unmasked = sc.procMount === 'Unmasked'
  const securityOpt = [`seccomp=${seccompOption(sc.seccompProfile, privileged)}`]
  // allowPrivilegeEscalation: false is what sets no_new_privs (unset leaves setuid binaries working).
  if (sc.allowPrivilegeEscalation === false) securityOpt.push('no-new-privileges')
  const groups = podSupplementalGroups(pod)
  return {
    Privileged: privileged || undefined,
    ReadonlyRootfs: sc.readOnlyRootFilesystem === true || undefined,
    CapAdd: sc.capabilities?.add,
    CapDrop: sc.capabilities?.drop,
    GroupAdd: groups.length > 0 ? groups.map(String) : undefined,
    SecurityOpt: securityOpt,
    MaskedPaths: privileged || unmasked ? [] : DEFAULT_MASKED_PATHS,
    ReadonlyPaths: privileged || unmasked ? [] : DEFAULT_READONLY_PATHS,
  }
}

/** Docker's `User` for a container: uid[:gid], when the security context names a uid. */
export function userOption(pod: Pod, container: Container): string | undefined {
  const sc = effectiveSecurityContext(pod, container)
  if (sc.runAsUser === undefined) return undefined
  return sc.runAsGroup !== undefined ? `${sc.runAsUser}:${sc.runAsGroup}` : String(sc.runAsUser)
}

/** The uid every container of the pod runs as, when they all name the same one (projected token files are given to it). */
export function podFsUser(pod: Pod): number | undefined {
  const spec = pod.spec ?? {containers: []}
  let uid: number | undefined
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const u = effectiveSecurityContext(pod, c).runAsUser
    if (u === undefined || (uid !== undefined && uid !== u)) return undefined
    uid = u
  }
  return uid
}
