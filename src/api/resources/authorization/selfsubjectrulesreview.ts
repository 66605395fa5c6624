// SelfSubjectRulesReview (authorization.k8s.io/v1): create-only, never stored; the rules the caller holds in a namespace (`kubectl auth can-i --list`).
import {defineResource} from '../def.js'
import {B, S} from '../shared/protobuf.js'

export const selfSubjectRulesReview = defineResource('authorization.k8s.io', 'v1', 'SelfSubjectRulesReview', {
  namespaced: false,
  verbs: ['create'],
  fields: ['spec', 'status'],
  // Field numbers from k8s.io/api/authorization/v1 generated.proto.
  protobuf: {
    SelfSubjectRulesReview: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'SelfSubjectRulesReviewSpec'], 3: ['status', 'SubjectRulesReviewStatus']},
    SelfSubjectRulesReviewSpec: {1: ['namespace', S]},
    SubjectRulesReviewStatus: {1: ['resourceRules', 'ResourceRule', 'r'], 2: ['nonResourceRules', 'NonResourceRule', 'r'], 3: ['incomplete', B, 'k'], 4: ['evaluationError', S]},
    ResourceRule: {1: ['verbs', S, 'r'], 2: ['apiGroups', S, 'r'], 3: ['resources', S, 'r'], 4: ['resourceNames', S, 'r']},
    NonResourceRule: {1: ['verbs', S, 'r'], 2: ['nonResourceURLs', S, 'r']},
  },
})
