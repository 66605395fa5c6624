// The controller-manager part of a control plane: controllers, scheduler, cloud (LoadBalancer) and Ingress controllers.
import {ApiClient} from '../../client/api-client.js'
import {disabledComponents, hostPublishing, NodeEnv, NodePorts} from '../../api/contract.js'
import {ControllerManager} from '../../controllers/manager.js'
import {enabledControllers} from '../../controllers/registry.js'
import {CloudController, dockerLoadBalancer} from '../../cloud/index.js'
import {IngressController} from '../../ingress/index.js'
import {startScheduler} from '../../scheduler/index.js'
import type {PartContext} from '../run.js'

export async function startControllerManagerPart(ctx: PartContext): Promise<void> {
  const {opts, pem, ca, clock, log, signal, tasks, closers, apiServerURL, agentConfig, env, registered} = ctx
  const cmClient = new ApiClient({server: apiServerURL, ca, cert: pem('controller.crt'), key: pem('controller.key'), userAgent: 'skiff-controller-manager', http2: true})
  const disabled = disabledComponents(env)
  // Components turned off in the cluster config take their loops with them (storage: the local-path provisioner).
  const manager = new ControllerManager({client: cmClient, clock, env, log: log('controller-manager'), rootCA: ca, enabled: enabledControllers(disabled)})
  // The scheduler shares the manager's informers (one pod and one node watch for both); the manager starts them.
  // Its writes (bindings, pod conditions, events) go out under its own identity.
  const schedClient = new ApiClient({server: apiServerURL, ca, cert: pem('scheduler.crt'), key: pem('scheduler.key'), userAgent: 'skiff-scheduler', http2: true})
  const scheduler = await startScheduler(schedClient, {signal, log: log('scheduler'), informers: manager.informers, clock})
  tasks.push(manager.run(signal))
  const hostSide = hostPublishing(env)
  if ((opts.cloud ?? !opts.runtime) && hostSide.docker && !disabled.has('loadBalancer')) {
    const cloudLog = log('cloud-controller')
    const socketUrl = hostSide.docker
    const host = () => dockerLoadBalancer({socketUrl, cluster: env[NodeEnv.cluster] ?? 'skiff', nodeName: agentConfig.nodeName, hostAddress: hostSide.address, log: cloudLog})
    const cloud = new CloudController({client: cmClient, informers: manager.informers, host, address: hostSide.address, clock, log: cloudLog}).run(signal)
    tasks.push(cloud.catch((err) => cloudLog(`stopped with error: ${err?.stack ?? err}`)))
  }
  if ((opts.ingress ?? !opts.runtime) && !disabled.has('ingress')) {
    const ingressLog = log('ingress')
    const ingress = new IngressController({
      client: cmClient, informers: manager.informers, clock, log: ingressLog, address: hostSide.address, hostPorts: hostSide.ingressPorts,
      httpPort: NodePorts.ingressHTTP, httpsPort: NodePorts.ingressHTTPS,
      // Names no Ingress TLS section covers get the control plane's own certificate, as a fallback.
      defaultCert: {cert: pem('apiserver.crt'), key: pem('apiserver.key')},
    })
    // Like the policies: after the node's registration, off the control plane's boot path.
    tasks.push(registered().then(() => ingress.run(signal)).catch((err) => ingressLog(`stopped with error: ${err?.stack ?? err}`)))
  }
  closers.push(async () => {
    await scheduler.stop()
    schedClient.close()
    cmClient.close()
  })
}
