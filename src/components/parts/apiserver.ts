// The apiserver part of a control plane: waits for etcd, then serves the Kubernetes API over it.
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {clusterAccess, serviceAccountAdmission, ServiceAccountTokens, startApiServer} from '../../apiserver/index.js'
import {clusterRanges, disabledComponents, NodeFiles, NodePorts} from '../../api/contract.js'
import {EtcdStore, loadEncryptionConfig} from '../../store/index.js'
import {type PartContext, waitForHttpOk} from '../run.js'

export async function startApiServerPart(ctx: PartContext): Promise<void> {
  const {opts, pem, pkiDir, ca, clock, log, signal, closers, t0, agentConfig, env} = ctx
  const apiLog = log('apiserver')
  let store = opts.store
  if (!store) {
    // etcd serves mutual TLS only, to clients of its own CA; clusters made before that still serve plain HTTP.
    const tls = existsSync(join(pkiDir, 'apiserver-etcd-client.crt'))
      ? {ca: pem('etcd/ca.crt'), cert: pem('apiserver-etcd-client.crt'), key: pem('apiserver-etcd-client.key')}
      : undefined
    const endpoint = opts.etcdEndpoint ?? `${tls ? 'https' : 'http'}://127.0.0.1:${NodePorts.etcdClient}`
    await waitForHttpOk(`${endpoint}/health`, {signal, clock, pollMs: opts.pollMs ?? 50, log: log('etcd'), tls})
    log('etcd')(`healthy after ${clock.now() - t0} ms`)
    const credentials = tls ? {credentials: {rootCertificate: Buffer.from(tls.ca), certChain: Buffer.from(tls.cert), privateKey: Buffer.from(tls.key)}} : {}
    // Secrets encrypted at rest under the cluster's EncryptionConfiguration (absent on clusters made before it).
    store = new EtcdStore({hosts: [endpoint], ...credentials}, loadEncryptionConfig(opts.encryptionConfig ?? NodeFiles.encryptionConfig))
  }
  // Node authorizer for agents, RBAC for everyone else: each component has its own least-privilege identity.
  const access = clusterAccess(store)
  const server = await startApiServer({
    store,
    authorizer: access.authorizer,
    // ServiceAccount admission first: later plugins see the pod with its token volume, as in Kubernetes' order.
    admission: [serviceAccountAdmission(), ...access.admission],
    port: opts.apiServerPort ?? NodePorts.apiServer,
    host: opts.apiServerHost ?? '0.0.0.0',
    tls: {cert: pem('apiserver.crt'), key: pem('apiserver.key'), ca},
    // Its client identity towards the agents (bound to system:kubelet-api-admin).
    agentClient: {cert: pem('apiserver-kubelet-client.crt'), key: pem('apiserver-kubelet-client.key')},
    serviceCIDR: clusterRanges(env).serviceCIDR,
    disabledComponents: disabledComponents(env),
    // The cluster CA key signs service-account tokens (ECDSA P-256: ES256), when the node has it.
    ...(existsSync(join(pkiDir, 'ca.key')) ? {serviceAccountTokens: ServiceAccountTokens.fromPem(pem('ca.key'))} : {}),
    ...(agentConfig.nodeIP ? {advertise: {address: agentConfig.nodeIP, port: NodePorts.apiServer}} : {}),
  })
  apiLog(`listening on :${server.port} after ${clock.now() - t0} ms`)
  const storeToClose = store
  closers.push(async () => {
    await server.close()
    access.close()
    if (!opts.store) await storeToClose.close()
  })
}
