// NamespaceLifecycle admission, delete side: the namespaces the cluster itself needs may not be deleted.
import {ApiError} from '../errors.js'
import type {AdmissionPlugin} from './types.js'

/** Namespaces Kubernetes refuses to delete (its immortal namespaces). */
export const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public'])

/**
 * Refuses deleting default, kube-system and kube-public with Kubernetes' 403. (The create side, no new content in a
 * missing or terminating namespace, is checked in createObject before names are generated.)
 */
export const namespaceLifecycle: AdmissionPlugin = {
  name: 'NamespaceLifecycle',
  operations: ['DELETE'],
  validate(a) {
    if (a.def.group !== '' || a.def.resource !== 'namespaces' || !IMMORTAL_NAMESPACES.has(a.name)) return
    throw new ApiError(403, 'Forbidden', `namespaces "${a.name}" is forbidden: this namespace may not be deleted`, {name: a.name, group: '', kind: 'namespaces'})
  },
}
