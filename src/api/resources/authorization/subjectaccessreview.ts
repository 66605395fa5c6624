// SubjectAccessReview (authorization.k8s.io/v1): create-only, never stored; may user X do Y (asked of the authorizer).
import {defineResource} from '../def.js'
import {accessReviewMessages, reviewMessage} from './accessreviewshared.js'

export const subjectAccessReview = defineResource('authorization.k8s.io', 'v1', 'SubjectAccessReview', {
  namespaced: false,
  verbs: ['create'],
  fields: ['spec', 'status'],
  protobuf: {SubjectAccessReview: reviewMessage('SubjectAccessReviewSpec'), ...accessReviewMessages},
})
