// IngressClass (networking.k8s.io/v1): which controller serves an Ingress; the cluster's default is skiff's own.
import type {StatusCause} from '../../types.js'
import {invalid, required} from '../../validation/errors.js'
import {defineResource} from '../def.js'
import {builtinPatch} from '../shared/patch.js'
import {col, nameCellsAge} from '../shared/table.js'

/** The annotation marking the class Ingresses without a class get. */
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class'

export const ingressClass = defineResource('networking.k8s.io', 'v1', 'IngressClass', {
  resource: 'ingressclasses',
  namespaced: false,
  fields: ['spec'],
  validate(obj): StatusCause[] {
    const controller = (obj.spec as {controller?: string} | undefined)?.controller
    if (!controller) return [required('spec.controller', '')]
    if (controller.length > 250) return [invalid('spec.controller', controller, 'must be no more than 250 characters')]
    return []
  },
  table: nameCellsAge(
    [col('Controller', 'string', 0, 'controller refers to the name of the controller that should handle this class.'), col('Parameters', 'string', 0, 'parameters is a link to a custom resource containing additional configuration for the controller.')],
    (o) => {
      const spec = (o.spec ?? {}) as {controller?: string; parameters?: {kind?: string; name?: string; apiGroup?: string}}
      const p = spec.parameters
      return [spec.controller ?? '', p ? `${p.kind}.${p.apiGroup ?? ''}/${p.name}`.replace('./', '/') : '<none>']
    },
  ),
  patch: builtinPatch,
})
