// The Pod Security Standards' checks: which level each rule belongs to, and Kubernetes' wording and order.
import assert from 'node:assert/strict'
import {violations} from '../../../src/apiserver/admission/pod-security/checks.js'
import {enforcedLevel, podSecurityForbidden} from '../../../src/apiserver/admission/pod-security/plugin.js'

const restrictedOk = {
  securityContext: {runAsNonRoot: true, seccompProfile: {type: 'RuntimeDefault'}},
  containers: [{name: 'c', securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: ['ALL']}}}],
}

describe('pod security checks', () => {
  it('privileged allows everything; baseline refuses privileged, host namespaces, hostPath, hostPort', () => {
    const bad = {hostNetwork: true, hostPID: true, volumes: [{name: 'h', hostPath: {path: '/'}}],
      containers: [{name: 'c', securityContext: {privileged: true}, ports: [{hostPort: 80}]}]}
    assert.deepEqual(violations('privileged', bad), [])
    assert.deepEqual(violations('baseline', bad), [
      'host namespaces (hostNetwork=true, hostPID=true)',
      'hostPath volumes (volume "h")',
      'hostPort (container "c" uses hostPort 80)',
      'privileged (container "c" must not set securityContext.privileged=true)',
    ])
  })

  it('baseline allows a plain pod; restricted lists what it lacks', () => {
    const plain = {containers: [{name: 'a'}, {name: 'b'}]}
    assert.deepEqual(violations('baseline', plain), [])
    assert.deepEqual(violations('restricted', plain), [
      'allowPrivilegeEscalation != false (containers "a", "b" must set securityContext.allowPrivilegeEscalation=false)',
      'unrestricted capabilities (containers "a", "b" must set securityContext.capabilities.drop=["ALL"])',
      'runAsNonRoot != true (pod or containers "a", "b" must set securityContext.runAsNonRoot=true)',
      'seccompProfile (pod or containers "a", "b" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    ])
    assert.deepEqual(violations('restricted', restrictedOk), [])
  })

  it('capabilities, sysctls and volume types', () => {
    const spec = {securityContext: {sysctls: [{name: 'kernel.msgmax'}, {name: 'net.ipv4.tcp_syncookies'}]}, volumes: [{name: 'n', nfs: {}}],
      containers: [{name: 'c', securityContext: {capabilities: {add: ['SYS_ADMIN', 'CHOWN']}}}]}
    assert.deepEqual(violations('baseline', spec), [
      'non-default capabilities (container "c" must not include "SYS_ADMIN" in securityContext.capabilities.add)',
      'forbidden sysctls (kernel.msgmax)',
    ])
    assert.ok(violations('restricted', spec).includes('restricted volume types (volume "n" uses restricted volume type "nfs")'))
  })

  it('reads the enforce label and words the refusal as Kubernetes does', () => {
    const ns = (labels: Record<string, string>) => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'n', labels}})
    assert.equal(enforcedLevel(ns({})), undefined)
    assert.equal(enforcedLevel(ns({'pod-security.kubernetes.io/enforce': 'bogus'})), undefined)
    assert.deepEqual(enforcedLevel(ns({'pod-security.kubernetes.io/enforce': 'restricted'})), {level: 'restricted', version: 'latest'})
    const e = podSecurityForbidden('x', 'baseline', 'latest', ['privileged (container "c" must not set securityContext.privileged=true)'])
    assert.equal(e.code, 403)
    assert.equal(e.message, 'pods "x" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)')
  })
})
