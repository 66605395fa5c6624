// SelfSubjectAccessReview (authorization.k8s.io/v1): create-only, never stored; may I do Y (`kubectl auth can-i`).
import {defineResource} from '../def.js'
import {accessReviewMessages, reviewMessage} from './accessreviewshared.js'

export const selfSubjectAccessReview = defineResource('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', {
  namespaced: false,
  verbs: ['create'],
  fields: ['spec', 'status'],
  protobuf: {SelfSubjectAccessReview: reviewMessage('SelfSubjectAccessReviewSpec'), ...accessReviewMessages},
})
