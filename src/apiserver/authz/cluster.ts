// A cluster's access control as the apiserver runs it: system:masters, then nodes, then RBAC, plus RBAC's escalation check.
import type {Store} from '../../store/index.js'
import type {AdmissionPlugin} from '../admission/index.js'
import type {ServerContext} from '../context.js'
import {allowNodesUntilNodeAuthorizer, createRbacAuthorizer, privilegedGroupAuthorizer, rbacEscalationCheck} from './rbac/index.js'
import {type Authorizer, unionAuthorizer} from './types.js'

/** What a real cluster's apiserver authorizes with. */
export interface ClusterAccess {
  authorizer: Authorizer
  admission: AdmissionPlugin<ServerContext>[]
  close(): void
}

/** Builds the authorizer chain over `store` (Kubernetes' order: privileged group, Node, RBAC). */
export function clusterAccess(store: Store): ClusterAccess {
  const rbac = createRbacAuthorizer(store)
  const authorizer = unionAuthorizer([privilegedGroupAuthorizer, allowNodesUntilNodeAuthorizer, rbac])
  return {authorizer, admission: [rbacEscalationCheck(authorizer, rbac.resolver)], close: () => rbac.close()}
}
