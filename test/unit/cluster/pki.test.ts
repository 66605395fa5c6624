// Checks that the generated certificates chain to the CA and carry the identities the apiserver reads.
import assert from 'node:assert/strict'
import {X509Certificate} from 'node:crypto'
import * as https from 'node:https'
import type {AddressInfo} from 'node:net'
import {createClusterPKI} from '../../../src/cluster/pki.js'

describe('cluster PKI', () => {
  it('issues certificates signed by the cluster CA with the expected subjects and SANs', async () => {
    const pki = await createClusterPKI({clusterName: 'demo', controlPlaneName: 'demo-control-plane', controlPlaneIP: '172.30.0.2', serviceIP: '10.96.0.1', nodeNames: ['demo-control-plane', 'demo-worker']})
    const ca = new X509Certificate(pki.ca.cert)
    const api = new X509Certificate(pki.apiServer.cert)
    assert.ok(api.verify(ca.publicKey), 'apiserver cert is signed by the CA')
    assert.ok(api.checkIP('127.0.0.1') && api.checkIP('172.30.0.2') && api.checkIP('10.96.0.1'))
    assert.ok(api.checkHost('kubernetes.default.svc'))
    const node = new X509Certificate(pki.nodes['demo-worker'].cert)
    assert.ok(node.verify(ca.publicKey))
    assert.match(node.subject, /CN=system:node:demo-worker/)
    assert.match(node.subject, /O=system:nodes/)
    // Each identity its own subject; only a binding makes the admin powerful, and no component is in system:masters.
    assert.equal(new X509Certificate(pki.admin.cert).subject, 'CN=kubernetes-admin\nO=kubeadm:cluster-admins')
    assert.equal(new X509Certificate(pki.controller.cert).subject, 'CN=system:kube-controller-manager')
    assert.equal(new X509Certificate(pki.scheduler.cert).subject, 'CN=system:kube-scheduler')
    assert.equal(new X509Certificate(pki.proxy.cert).subject, 'CN=system:kube-proxy')
    assert.equal(new X509Certificate(pki.kubeletClient.cert).subject, 'CN=kube-apiserver-kubelet-client\nO=kube-master')
  })

  it('gives etcd a CA of its own: its serving and client certificates chain to it, and nothing of the cluster CA does', async () => {
    const pki = await createClusterPKI({clusterName: 'demo', controlPlaneName: 'demo-control-plane', controlPlaneIP: '172.30.0.2', serviceIP: '10.96.0.1', nodeNames: ['demo-worker']})
    const etcdCA = new X509Certificate(pki.etcd.ca.cert)
    const server = new X509Certificate(pki.etcd.server.cert)
    const client = new X509Certificate(pki.etcd.apiServerClient.cert)
    assert.ok(server.verify(etcdCA.publicKey) && client.verify(etcdCA.publicKey))
    assert.ok(server.checkIP('127.0.0.1'))
    assert.equal(client.subject, 'CN=kube-apiserver-etcd-client')
    assert.ok(!new X509Certificate(pki.nodes['demo-worker'].cert).verify(etcdCA.publicKey), 'a node certificate does not chain to etcd\'s CA')
    assert.ok(!server.verify(new X509Certificate(pki.ca.cert).publicKey))
  })

  it('works for a real TLS handshake with client authentication', async () => {
    const pki = await createClusterPKI({clusterName: 't', controlPlaneName: 't-control-plane', controlPlaneIP: '172.30.0.2', serviceIP: '10.96.0.1', nodeNames: []})
    const server = https.createServer({cert: pki.apiServer.cert, key: pki.apiServer.key, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: true}, (req, res) => {
      const peer = (req.socket as any).getPeerCertificate()
      res.end(peer.subject.CN)
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const port = (server.address() as AddressInfo).port
      const body = await new Promise<string>((resolve, reject) => {
        https.get({host: '127.0.0.1', port, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key, path: '/'}, (res) => {
          let b = ''
          res.on('data', (c) => (b += c)).on('end', () => resolve(b))
        }).on('error', reject)
      })
      assert.equal(body, 'kubernetes-admin')
    } finally {
      server.close()
    }
  })
})
