// Protobuf messages shared by the three access-review kinds (authorization.k8s.io/v1 generated.proto numbers).
import {B, S, specStatusMessage, type MessageSchema} from '../shared/protobuf.js'

export const accessReviewMessages: Record<string, MessageSchema> = {
  ResourceAttributes: {
    1: ['namespace', S], 2: ['verb', S], 3: ['group', S], 4: ['version', S],
    5: ['resource', S], 6: ['subresource', S], 7: ['name', S],
  },
  NonResourceAttributes: {1: ['path', S], 2: ['verb', S]},
  SubjectAccessReviewSpec: {
    1: ['resourceAttributes', 'ResourceAttributes'], 2: ['nonResourceAttributes', 'NonResourceAttributes'],
    3: ['user', S], 4: ['groups', S, 'r'], 6: ['uid', S],
  },
  SelfSubjectAccessReviewSpec: {
    1: ['resourceAttributes', 'ResourceAttributes'], 2: ['nonResourceAttributes', 'NonResourceAttributes'],
  },
  SubjectAccessReviewStatus: {1: ['allowed', B], 2: ['reason', S], 3: ['evaluationError', S], 4: ['denied', B]},
}

export const reviewMessage = (spec: string): MessageSchema => specStatusMessage(spec, 'SubjectAccessReviewStatus')
