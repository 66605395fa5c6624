// Protobuf field tables shared by kinds (apimachinery meta/v1 and core references), written from k8s.io generated.proto field numbers.

/**
 * A field: [jsonName, type, flags]. Types are scalars (string, int32, int64, bool, bytes, double),
 * well-known Kubernetes wrappers (Time, IntOrString, Quantity, RawJSON), maps (map<string,T>) or a message name.
 * Flags: 'r' repeated; 'k' keep the value even when zero/empty (Go pointer fields, or JSON fields without
 * omitempty), 'i' inline (Go embedded struct whose fields appear directly in the parent's JSON).
 */
export type FieldSpec = [name: string, type: string, flags?: string]
export type MessageSchema = Record<number, FieldSpec>

export const S = 'string'
export const I32 = 'int32'
export const I64 = 'int64'
export const B = 'bool'
export const MSS = 'map<string,string>'

/** The top-level message of a kind: metadata, spec and status. */
export const specStatusMessage = (spec: string, status: string): MessageSchema => ({1: ['metadata', 'ObjectMeta'], 2: ['spec', spec], 3: ['status', status]})

/** Messages every kind may embed; always known to the decoder. */
export const metaMessages: Record<string, MessageSchema> = {
  TypeMeta: {1: ['apiVersion', S], 2: ['kind', S]},
  ObjectMeta: {
    1: ['name', S], 2: ['generateName', S], 3: ['namespace', S], 4: ['selfLink', S], 5: ['uid', S],
    6: ['resourceVersion', S], 7: ['generation', I64], 8: ['creationTimestamp', 'Time'], 9: ['deletionTimestamp', 'Time'],
    10: ['deletionGracePeriodSeconds', I64, 'k'], 11: ['labels', MSS], 12: ['annotations', MSS],
    13: ['ownerReferences', 'OwnerReference', 'r'], 14: ['finalizers', S, 'r'], 17: ['managedFields', 'ManagedFieldsEntry', 'r'],
  },
  OwnerReference: {1: ['kind', S, 'k'], 3: ['name', S, 'k'], 4: ['uid', S, 'k'], 5: ['apiVersion', S, 'k'], 6: ['controller', B, 'k'], 7: ['blockOwnerDeletion', B, 'k']},
  ManagedFieldsEntry: {1: ['manager', S], 2: ['operation', S], 3: ['apiVersion', S], 4: ['time', 'Time'], 6: ['fieldsType', S], 7: ['fieldsV1', 'RawJSON'], 8: ['subresource', S]},
  LabelSelector: {1: ['matchLabels', MSS], 2: ['matchExpressions', 'LabelSelectorRequirement', 'r']},
  LabelSelectorRequirement: {1: ['key', S, 'k'], 2: ['operator', S, 'k'], 3: ['values', S, 'r']},
  Condition: {1: ['type', S, 'k'], 2: ['status', S, 'k'], 3: ['observedGeneration', I64], 4: ['lastTransitionTime', 'Time'], 5: ['reason', S, 'k'], 6: ['message', S, 'k']},
  ObjectReference: {1: ['kind', S], 2: ['namespace', S], 3: ['name', S], 4: ['uid', S], 5: ['apiVersion', S], 6: ['resourceVersion', S], 7: ['fieldPath', S]},
  LocalObjectReference: {1: ['name', S]},
}
