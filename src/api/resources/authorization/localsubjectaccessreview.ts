// LocalSubjectAccessReview (authorization.k8s.io/v1): a namespaced SubjectAccessReview, create-only, never stored.
import {defineResource} from '../def.js'
import {accessReviewMessages, reviewMessage} from './accessreviewshared.js'

export const localSubjectAccessReview = defineResource('authorization.k8s.io', 'v1', 'LocalSubjectAccessReview', {
  namespaced: true,
  verbs: ['create'],
  fields: ['spec', 'status'],
  protobuf: {LocalSubjectAccessReview: reviewMessage('SubjectAccessReviewSpec'), ...accessReviewMessages},
})
