// ControllerRevision (apps/v1): the immutable snapshots of a DaemonSet's or StatefulSet's template that rollout history and undo read.
import type {KubeObject, StatusCause} from '../../types.js'
import {forbidden, required} from '../../validation/errors.js'
import {defineResource} from '../def.js'
import {nonNegative} from '../shared/checks.js'
import {builtinPatch} from '../shared/patch.js'
import {semanticEqual} from '../shared/pod-spec-validation.js'
import {col, nameCellsAge} from '../shared/table.js'

/** A ControllerRevision: `data` holds the patch that restores the owner's template, `revision` orders them. */
export interface ControllerRevision extends KubeObject {
  data?: unknown
  revision?: number
}

function validate(obj: KubeObject): StatusCause[] {
  const cr = obj as ControllerRevision
  const causes: StatusCause[] = []
  if (cr.revision === undefined) causes.push(required('revision'))
  causes.push(...nonNegative(cr.revision, 'revision'))
  return causes
}

// Kubernetes refuses any change of a revision's data: history must not be rewritten.
function validateUpdate(obj: KubeObject, old: KubeObject): StatusCause[] {
  return semanticEqual((obj as ControllerRevision).data ?? null, (old as ControllerRevision).data ?? null) ? [] : [forbidden('data', 'field is immutable')]
}

/** "daemonset.apps/web" for the controller owner of a revision, as kubectl prints it. */
function controllerCell(o: KubeObject): string {
  const ref = (o.metadata.ownerReferences ?? []).find((r) => r.controller)
  if (!ref) return '<none>'
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : ''
  return `${ref.kind.toLowerCase()}${group ? `.${group}` : ''}/${ref.name}`
}

export const controllerRevision = defineResource('apps', 'v1', 'ControllerRevision', {
  fields: ['data', 'revision'],
  validate,
  validateUpdate,
  table: nameCellsAge([col('Controller', 'string', 0, 'Controller of the object.'), col('Revision', 'integer', 0, 'Revision indicates the revision of the state represented by Data.')], (o) => [controllerCell(o), (o as ControllerRevision).revision ?? 0]),
  patch: builtinPatch,
})
