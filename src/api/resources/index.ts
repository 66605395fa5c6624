// The served kinds, in discovery order (kubectl `get all` follows it): serving a kind is its module plus one line here.
import {controllerRevision} from './apps/controllerrevision.js'
import {daemonSet} from './apps/daemonset.js'
import {deployment} from './apps/deployment.js'
import {replicaSet} from './apps/replicaset.js'
import {statefulSet} from './apps/statefulset.js'
import {cronJob} from './batch/cronjob.js'
import {job} from './batch/job.js'
import {lease} from './coordination/lease.js'
import {binding} from './core/binding.js'
import {selfSubjectReview} from './authentication/selfsubjectreview.js'
import {tokenReview} from './authentication/tokenreview.js'
import {selfSubjectRulesReview} from './authorization/selfsubjectrulesreview.js'
import {subjectAccessReview} from './authorization/subjectaccessreview.js'
import {selfSubjectAccessReview} from './authorization/selfsubjectaccessreview.js'
import {localSubjectAccessReview} from './authorization/localsubjectaccessreview.js'
import {configMap} from './core/configmap.js'
import {endpoints} from './core/endpoints.js'
import {event} from './core/event.js'
import {namespace} from './core/namespace.js'
import {node} from './core/node.js'
import {persistentVolume} from './core/persistentvolume.js'
import {persistentVolumeClaim} from './core/persistentvolumeclaim.js'
import {pod} from './core/pod.js'
import {replicationController} from './core/replicationcontroller.js'
import {limitRange} from './core/limitrange.js'
import {resourceQuota} from './core/resourcequota.js'
import {secret} from './core/secret.js'
import {service} from './core/service.js'
import {serviceAccount} from './core/serviceaccount.js'
import type {ResourceDef} from './def.js'
import {endpointSlice} from './discovery/endpointslice.js'
import {eventV1} from './events/event.js'
import {ingress} from './networking/ingress.js'
import {ingressClass} from './networking/ingressclass.js'
import {networkPolicy} from './networking/networkpolicy.js'
import {podDisruptionBudget} from './policy/poddisruptionbudget.js'
import {clusterRoleBinding, roleBinding} from './rbac/bindings.js'
import {clusterRole, role} from './rbac/roles.js'
import {storageClass} from './storage/storageclass.js'
import {priorityClass} from './scheduling/priorityclass.js'
import {customResourceDefinition} from './apiextensions/customresourcedefinition.js'
import {mutatingWebhookConfiguration, validatingWebhookConfiguration} from './admissionregistration/webhookconfigurations.js'
import {validatingAdmissionPolicy, validatingAdmissionPolicyBinding} from './admissionregistration/policies.js'

export type {AllocationEnv, ResourceDef, SubresourceDef, TableColumnDefinition, TableDef, Strategy} from './def.js'
export {applyDefaults, tableColumns, tableRow, tableRowConditions, validateObject, type KindRef, type PrinterColumn} from './generic.js'

/** The built-in resources, in discovery order. */
export const builtinResources: ResourceDef[] = [
  namespace,
  node,
  pod,
  binding,
  service,
  endpoints,
  configMap,
  secret,
  serviceAccount,
  persistentVolume,
  persistentVolumeClaim,
  event,
  replicationController,
  resourceQuota,
  limitRange,
  lease,
  deployment,
  replicaSet,
  statefulSet,
  daemonSet,
  controllerRevision,
  job,
  cronJob,
  endpointSlice,
  eventV1,
  ingress,
  ingressClass,
  networkPolicy,
  podDisruptionBudget,
  storageClass,
  priorityClass,
  selfSubjectReview,
  tokenReview,
  clusterRoleBinding, clusterRole, roleBinding, role,
  selfSubjectRulesReview,
  subjectAccessReview,
  selfSubjectAccessReview,
  localSubjectAccessReview,
  customResourceDefinition,
  mutatingWebhookConfiguration, validatingWebhookConfiguration, validatingAdmissionPolicy, validatingAdmissionPolicyBinding,
]
