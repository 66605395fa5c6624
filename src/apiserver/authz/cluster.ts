// A cluster's access control as the apiserver runs it: system:masters, then Node, then RBAC, plus RBAC's escalation check and NodeRestriction.
import type {Store} from '../../store/index.js'
import type {AdmissionPlugin} from '../admission/index.js'
import {nodeRestriction} from '../admission/node-restriction.js'
import type {ServerContext} from '../context.js'
import {createNodeAuthorizer} from './node/index.js'
import {createRbacAuthorizer, privilegedGroupAuthorizer, rbacEscalationCheck} from './rbac/index.js'
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
  const node = createNodeAuthorizer(store)
  const authorizer = unionAuthorizer([privilegedGroupAuthorizer, node, rbac])
  return {
    authorizer,
    admission: [nodeRestriction, rbacEscalationCheck(authorizer, rbac.resolver)],
    close: () => {
      node.close()
      rbac.close()
    },
  }
}
