// Protobuf field tables of a pod's placement rules (affinity, node selectors, topology spread), from core/v1 generated.proto field numbers.
import {I32, S, type MessageSchema} from './protobuf.js'

/** Node selector messages; PersistentVolume's nodeAffinity speaks them too, so they live apart from the pod tables. */
export const nodeSelectorMessages: Record<string, MessageSchema> = {
  NodeSelector: {1: ['nodeSelectorTerms', 'NodeSelectorTerm', 'r']},
  NodeSelectorTerm: {1: ['matchExpressions', 'NodeSelectorRequirement', 'r'], 2: ['matchFields', 'NodeSelectorRequirement', 'r']},
  // key and operator carry no omitempty in Go, so an empty one still prints.
  NodeSelectorRequirement: {1: ['key', S, 'k'], 2: ['operator', S, 'k'], 3: ['values', S, 'r']},
}

/** Affinity and topology spread messages a PodSpec embeds. */
export const schedulingMessages: Record<string, MessageSchema> = {
  ...nodeSelectorMessages,
  Affinity: {1: ['nodeAffinity', 'NodeAffinity'], 2: ['podAffinity', 'PodAffinity'], 3: ['podAntiAffinity', 'PodAntiAffinity']},
  NodeAffinity: {1: ['requiredDuringSchedulingIgnoredDuringExecution', 'NodeSelector'], 2: ['preferredDuringSchedulingIgnoredDuringExecution', 'PreferredSchedulingTerm', 'r']},
  PreferredSchedulingTerm: {1: ['weight', I32, 'k'], 2: ['preference', 'NodeSelectorTerm']},
  // PodAffinity and PodAntiAffinity share one layout: required terms, then weighted preferred terms.
  PodAffinity: {1: ['requiredDuringSchedulingIgnoredDuringExecution', 'PodAffinityTerm', 'r'], 2: ['preferredDuringSchedulingIgnoredDuringExecution', 'WeightedPodAffinityTerm', 'r']},
  PodAntiAffinity: {1: ['requiredDuringSchedulingIgnoredDuringExecution', 'PodAffinityTerm', 'r'], 2: ['preferredDuringSchedulingIgnoredDuringExecution', 'WeightedPodAffinityTerm', 'r']},
  WeightedPodAffinityTerm: {1: ['weight', I32, 'k'], 2: ['podAffinityTerm', 'PodAffinityTerm']},
  PodAffinityTerm: {
    1: ['labelSelector', 'LabelSelector'], 2: ['namespaces', S, 'r'], 3: ['topologyKey', S, 'k'], 4: ['namespaceSelector', 'LabelSelector'],
    5: ['matchLabelKeys', S, 'r'], 6: ['mismatchLabelKeys', S, 'r'],
  },
  // minDomains and both policies are Go pointers: an explicit zero or empty value survives.
  TopologySpreadConstraint: {
    1: ['maxSkew', I32, 'k'], 2: ['topologyKey', S, 'k'], 3: ['whenUnsatisfiable', S, 'k'], 4: ['labelSelector', 'LabelSelector'],
    5: ['minDomains', I32, 'k'], 6: ['nodeAffinityPolicy', S, 'k'], 7: ['nodeTaintsPolicy', S, 'k'], 8: ['matchLabelKeys', S, 'r'],
  },
}
