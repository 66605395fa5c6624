// SelfSubjectReview (authentication.k8s.io/v1): create-only, never stored; answers who the caller is (`kubectl auth whoami`).
import {defineResource} from '../def.js'
import {S} from '../shared/protobuf.js'

export const selfSubjectReview = defineResource('authentication.k8s.io', 'v1', 'SelfSubjectReview', {
  namespaced: false,
  verbs: ['create'],
  fields: ['status'],
  protobuf: {
    SelfSubjectReview: {1: ['metadata', 'ObjectMeta'], 2: ['status', 'SelfSubjectReviewStatus']},
    SelfSubjectReviewStatus: {1: ['userInfo', 'UserInfo']},
    UserInfo: {1: ['username', S], 2: ['uid', S], 3: ['groups', S, 'r']},
  },
})
