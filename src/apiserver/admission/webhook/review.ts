// The AdmissionReview v1 request kube-apiserver sends for one write, and the Status a refusal becomes.
import {randomUUID} from 'node:crypto'
import {apiVersionOf} from '../../../api/registry.js'
import type {KubeObject} from '../../../api/types.js'
import {ApiError, qualified} from '../../errors.js'
import type {AdmissionAttributes} from '../types.js'
import type {AdmissionResponse} from './call.js'

const OPTION_KINDS: Record<string, string> = {CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions'}

/** The kind the request speaks: a subresource's own kind (Scale, Binding) or the parent's. */
export function requestKind(a: AdmissionAttributes): {group: string; version: string; kind: string} {
  const sub = a.subresource ? a.def.subresources.find((s) => s.name === a.subresource) : undefined
  return sub?.responseKind ?? {group: a.def.group, version: a.def.version, kind: a.def.kind}
}

/** An object as the API serves it: apiVersion and kind set (handlers may hold it without them). */
export function withTypeMeta(a: AdmissionAttributes, o: KubeObject | undefined): KubeObject | null {
  if (!o) return null
  if (a.subresource && requestKind(a).kind !== a.def.kind) return o
  return {...o, apiVersion: o.apiVersion ?? apiVersionOf(a.def), kind: o.kind ?? a.def.kind}
}

/** The request operation's options, as kube-apiserver passes them (CreateOptions, UpdateOptions, DeleteOptions). */
function optionsOf(a: AdmissionAttributes): unknown {
  const kind = OPTION_KINDS[a.operation]
  if (!kind) return null
  const given = a.options && typeof a.options === 'object' ? a.options as Record<string, unknown> : {}
  return {...given, kind, apiVersion: 'meta.k8s.io/v1', ...(a.dryRun ? {dryRun: ['All']} : {})}
}

export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1'
  kind: 'AdmissionReview'
  request: {uid: string} & Record<string, unknown>
}

/** admission.k8s.io/v1 AdmissionReview for `a` (a fresh uid per call, as each webhook call gets its own). */
export function buildReview(a: AdmissionAttributes): AdmissionReview {
  const kind = requestKind(a)
  const resource = {group: a.def.group, version: a.def.version, resource: a.def.resource}
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: randomUUID(),
      kind, resource,
      ...(a.subresource ? {subResource: a.subresource, requestSubResource: a.subresource} : {}),
      requestKind: kind, requestResource: resource,
      name: a.name,
      ...(a.def.namespaced && a.namespace ? {namespace: a.namespace} : {}),
      operation: a.operation,
      userInfo: {username: a.user.name, groups: a.user.groups},
      object: a.operation === 'DELETE' ? null : withTypeMeta(a, a.object),
      oldObject: a.operation === 'CREATE' ? null : withTypeMeta(a, a.oldObject),
      dryRun: a.dryRun,
      options: optionsOf(a),
    },
  }
}

/** ToStatusErr: `<resource> "<name>" is forbidden: admission webhook "<hook>" denied the request: <message>` (code 403 unless given). */
export function deniedError(a: AdmissionAttributes, hook: string, status: AdmissionResponse['status']): ApiError {
  const code = status?.code || 403
  const name = a.name || 'Unknown'
  const deniedBy = `admission webhook "${hook}" denied the request`
  const msg = status?.message ? `${deniedBy}: ${status.message}` : status?.reason ? `${deniedBy}: ${status.reason}` : `${deniedBy} without explanation`
  const prefix = code === 500 ? 'Internal error occurred' : `${qualified(a.def.resource, a.def.group)} "${name}" is forbidden`
  const reason = status?.reason || (code === 500 ? 'InternalError' : 'Forbidden')
  const details = code === 500 ? {causes: [{reason: '', message: msg}]} : {name, group: a.def.group, kind: a.def.resource}
  return new ApiError(code, reason, `${prefix}: ${msg}`, details)
}
