// Lease (coordination.k8s.io/v1): leader election and node heartbeats.
import {defineResource} from '../def.js'
import {nonNegative} from '../shared/checks.js'
import {builtinPatch} from '../shared/patch.js'
import {col, nameCellsAge} from '../shared/table.js'

export const lease = defineResource('coordination.k8s.io', 'v1', 'Lease', {
  fields: ['spec', 'status'],
  validate: (obj) => [...nonNegative(obj.spec?.leaseDurationSeconds, 'spec.leaseDurationSeconds'), ...nonNegative(obj.spec?.leaseTransitions, 'spec.leaseTransitions')],
  table: nameCellsAge([col('Holder', 'string', 0, 'holderIdentity contains the identity of the holder of a current lease.')], (o) => [o.spec?.holderIdentity ?? '']),
  patch: builtinPatch,
})
