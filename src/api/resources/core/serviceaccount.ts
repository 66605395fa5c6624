// ServiceAccount (core/v1), with the token subresource kubectl create token posts a TokenRequest to.
import {defineResource} from '../def.js'
import {kindPatch, mergeBy} from '../shared/patch.js'
import {B, I64, S, specStatusMessage} from '../shared/protobuf.js'
import {col, nameCellsAge} from '../shared/table.js'

const tokenSubresource = {name: 'token', responseKind: {group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest'}, verbs: ['create']}

export const serviceAccount = defineResource('', 'v1', 'ServiceAccount', {
  shortNames: ['sa'],
  subresources: [tokenSubresource],
  fields: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
  table: nameCellsAge(
    [col('Secrets', 'string', 0, 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.')],
    (o) => [Array.isArray(o.secrets) ? o.secrets.length : 0],
  ),
  patch: kindPatch({secrets: mergeBy('name')}),
  protobuf: {
    ServiceAccount: {1: ['metadata', 'ObjectMeta'], 2: ['secrets', 'ObjectReference', 'r'], 3: ['imagePullSecrets', 'LocalObjectReference', 'r'], 4: ['automountServiceAccountToken', B, 'k']},
    TokenRequest: specStatusMessage('TokenRequestSpec', 'TokenRequestStatus'),
    TokenRequestSpec: {1: ['audiences', S, 'r'], 3: ['boundObjectRef', 'BoundObjectReference'], 4: ['expirationSeconds', I64, 'k']},
    BoundObjectReference: {1: ['kind', S], 2: ['apiVersion', S], 3: ['name', S], 4: ['uid', S]},
    TokenRequestStatus: {1: ['token', S], 2: ['expirationTimestamp', 'Time']},
  },
})
