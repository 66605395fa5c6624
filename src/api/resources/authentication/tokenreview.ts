// TokenReview (authentication.k8s.io/v1): create-only, never stored; says whether a bearer token authenticates, and as whom.
import {defineResource} from '../def.js'
import {B, S} from '../shared/protobuf.js'

export const tokenReview = defineResource('authentication.k8s.io', 'v1', 'TokenReview', {
  namespaced: false,
  verbs: ['create'],
  fields: ['spec', 'status'],
  protobuf: {
    TokenReview: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'TokenReviewSpec'], 3: ['status', 'TokenReviewStatus']},
    TokenReviewSpec: {1: ['token', S], 2: ['audiences', S, 'r']},
    TokenReviewStatus: {1: ['authenticated', B], 2: ['user', 'UserInfo'], 3: ['error', S], 4: ['audiences', S, 'r']},
    UserInfo: {1: ['username', S], 2: ['uid', S], 3: ['groups', S, 'r']},
  },
})
