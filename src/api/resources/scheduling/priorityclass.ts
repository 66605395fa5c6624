// PriorityClass (scheduling.k8s.io/v1): a named pod priority; the system classes, the reserved prefix and the value limits.
import type {KubeObject, StatusCause} from '../../types.js'
import {forbidden, invalid, notSupported} from '../../validation/errors.js'
import {FIELD_IMMUTABLE_MSG} from '../../validation/names.js'
import {defineResource} from '../def.js'
import {builtinPatch} from '../shared/patch.js'
import {B, I32, S} from '../shared/protobuf.js'
import {age, AGE, col, name, NAME} from '../shared/table.js'

/** The PriorityClass fields (at the top level: the kind has no spec). */
export interface PriorityClass extends KubeObject {
  value?: number
  globalDefault?: boolean
  description?: string
  preemptionPolicy?: string
}

/** The largest value a user-defined class may have; above it only the system classes live. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000
/** The value of system-cluster-critical (system-node-critical is 1000 above). */
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY
/** Names starting with this are reserved for the system classes. */
export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-'
/** The pod priority when no class is named and none is the global default. */
export const DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS = 0
export const PREEMPTION_POLICIES = ['PreemptLowerPriority', 'Never']

/** The classes every cluster has, created at bootstrap. */
export const SYSTEM_PRIORITY_CLASSES: readonly PriorityClass[] = [
  {
    apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: {name: 'system-node-critical'},
    value: SYSTEM_CRITICAL_PRIORITY + 1000, description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: {name: 'system-cluster-critical'},
    value: SYSTEM_CRITICAL_PRIORITY, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
]

/** Why a system- name is not one of the system classes as defined, or undefined when it is. */
function systemClassError(pc: PriorityClass): string | undefined {
  const known = SYSTEM_PRIORITY_CLASSES.find((s) => s.metadata.name === pc.metadata.name)
  if (!known) return `${pc.metadata.name} is not a known system priority class`
  if (known.value !== (pc.value ?? 0)) return `value of ${pc.metadata.name} PriorityClass must be ${known.value}`
  if ((pc.globalDefault ?? false) !== false) return `globalDefault of ${pc.metadata.name} PriorityClass must be false`
  return undefined
}

function validate(obj: KubeObject): StatusCause[] {
  const pc = obj as PriorityClass
  const causes: StatusCause[] = []
  const value = pc.value ?? 0
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) causes.push(invalid('value', value, 'must be a 32-bit integer'))
  if ((pc.metadata.name ?? '').startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const err = systemClassError(pc)
    if (err) causes.push(forbidden('metadata.name', `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${err}`))
  } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    causes.push(forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`))
  }
  if (pc.preemptionPolicy !== undefined && !PREEMPTION_POLICIES.includes(pc.preemptionPolicy)) causes.push(notSupported('preemptionPolicy', pc.preemptionPolicy, PREEMPTION_POLICIES))
  return causes
}

function validateUpdate(obj: KubeObject, old: KubeObject): StatusCause[] {
  const n = obj as PriorityClass
  const o = old as PriorityClass
  const causes: StatusCause[] = []
  if ((n.value ?? 0) !== (o.value ?? 0)) causes.push(forbidden('value', 'may not be changed in an update.'))
  if (n.preemptionPolicy !== o.preemptionPolicy) causes.push(invalid('preemptionPolicy', n.preemptionPolicy ?? '', FIELD_IMMUTABLE_MSG))
  return causes
}

export const priorityClass = defineResource('scheduling.k8s.io', 'v1', 'PriorityClass', {
  resource: 'priorityclasses',
  namespaced: false,
  shortNames: ['pc'],
  fields: ['value', 'globalDefault', 'description', 'preemptionPolicy'],
  default(obj) {
    const pc = obj as PriorityClass
    pc.value ??= 0
    pc.preemptionPolicy ??= 'PreemptLowerPriority'
  },
  validate,
  validateUpdate,
  table: {
    columns: [
      NAME,
      col('Value', 'integer', 0, 'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.'),
      col('Global-Default', 'boolean', 0, 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.'),
      AGE,
      col('PreemptionPolicy', 'string', 0, 'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.'),
    ],
    row(o, now) {
      const pc = o as PriorityClass
      return [name(o), pc.value ?? 0, pc.globalDefault ?? false, age(o, now), pc.preemptionPolicy ?? '']
    },
  },
  patch: builtinPatch,
  protobuf: {
    PriorityClass: {1: ['metadata', 'ObjectMeta'], 2: ['value', I32, 'k'], 3: ['globalDefault', B], 4: ['description', S], 5: ['preemptionPolicy', S, 'k']},
  },
})
