// Per-cluster certificate authority and the certificates each node and the admin kubeconfig use.
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import {webcrypto} from 'node:crypto'
import {defaultEncryptionConfig} from './encryption-config.js'

x509.cryptoProvider.set(webcrypto as unknown as Crypto)

// ECDSA P-256: key generation takes milliseconds (RSA-2048 takes hundreds), and kubectl,
// client-go and Node's TLS all accept it.
const alg = {name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256'} as const
const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000

/** A certificate and its private key, both PEM. */
export interface KeyPair {
  cert: string
  key: string
}

/** What a certificate is for and who it names. */
export interface CertRequest {
  commonName: string
  organizations?: string[]
  dnsNames?: string[]
  ips?: string[]
  server?: boolean
  client?: boolean
}

/** The CA plus its signing key, kept in memory while the cluster is created. */
export interface CertificateAuthority extends KeyPair {
  sign(req: CertRequest): Promise<KeyPair>
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey)
  return x509.PemConverter.encode(der, 'PRIVATE KEY')
}

function subjectOf(commonName: string, organizations: string[] = []): string {
  // Escape DN specials so names like "system:node:x" survive as written.
  const esc = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1')
  return [`CN=${esc(commonName)}`, ...organizations.map((o) => `O=${esc(o)}`)].join(', ')
}

/** Creates a self-signed CA for one cluster. */
export async function createCA(clusterName: string, now = new Date()): Promise<CertificateAuthority> {
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    name: subjectOf(`skiff-ca-${clusterName}`),
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + TEN_YEARS_MS),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  })
  const caPem = caCert.toString('pem')
  const caKeyPem = await exportKey(keys.privateKey)

  return {cert: caPem, key: caKeyPem, sign: signer(caCert, keys.privateKey, now)}
}

/** Signs leaf certificates with a CA's certificate and private key. */
function signer(caCert: x509.X509Certificate, caKey: CryptoKey, now: Date): (req: CertRequest) => Promise<KeyPair> {
  return async (req: CertRequest): Promise<KeyPair> => {
    const leafKeys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])
    const usages: string[] = []
    if (req.server) usages.push(x509.ExtendedKeyUsage.serverAuth)
    if (req.client ?? !req.server) usages.push(x509.ExtendedKeyUsage.clientAuth)
    const names = [
      ...(req.dnsNames ?? []).map((value) => ({type: 'dns' as const, value})),
      ...(req.ips ?? []).map((value) => ({type: 'ip' as const, value})),
    ]
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(usages, false),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
    ]
    if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false))
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1'),
      subject: subjectOf(req.commonName, req.organizations),
      issuer: caCert.subject,
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + TEN_YEARS_MS),
      publicKey: leafKeys.publicKey,
      signingKey: caKey,
      signingAlgorithm: alg,
      extensions,
    })
    return {cert: cert.toString('pem'), key: await exportKey(leafKeys.privateKey)}
  }
}

/** The CA of an existing cluster, from its PEM certificate and PKCS#8 key (to sign a joining node's certificate). */
export async function loadCA(certPem: string, keyPem: string, now = new Date()): Promise<CertificateAuthority> {
  const caCert = new x509.X509Certificate(certPem)
  const der = x509.PemConverter.decode(keyPem)[0]
  const key = await webcrypto.subtle.importKey('pkcs8', der, alg, true, ['sign'])
  return {cert: certPem, key: keyPem, sign: signer(caCert, key as unknown as CryptoKey, now)}
}

/** The certificate of a node's agent: client of the apiserver (system:node:NAME) and server of its :10250. */
export function signNodeCert(ca: CertificateAuthority, name: string, ip?: string): Promise<KeyPair> {
  return ca.sign({commonName: `system:node:${name}`, organizations: ['system:nodes'], client: true, server: true, dnsNames: [name, 'localhost'], ips: [...(ip ? [ip] : []), '127.0.0.1']})
}

/** All certificates a cluster needs, generated concurrently. */
export interface ClusterPKI {
  ca: KeyPair
  apiServer: KeyPair
  /** CN=kubernetes-admin in kubeadm's kubeadm:cluster-admins group (bound to cluster-admin), not system:masters. */
  admin: KeyPair
  /** The controller manager's identity (its cloud and Ingress controllers too): CN=system:kube-controller-manager. */
  controller: KeyPair
  /** CN=system:kube-scheduler. */
  scheduler: KeyPair
  /** The node-local network components (service proxy, NetworkPolicy, DNS) of every node: CN=system:kube-proxy. */
  proxy: KeyPair
  /** The apiserver as a client of the agents' :10250: CN=kube-apiserver-kubelet-client, bound to system:kubelet-api-admin. */
  kubeletClient: KeyPair
  nodes: Record<string, KeyPair>
  /**
   * etcd's own CA (as kubeadm keeps one), its serving certificate and the apiserver's client certificate: etcd accepts
   * only clients its CA signed, so no certificate of the cluster CA (a node's, say) opens the store.
   */
  etcd: {ca: KeyPair; server: KeyPair; apiServerClient: KeyPair}
  /** The apiserver's EncryptionConfiguration YAML, with a fresh 32-byte AES-GCM key for Secrets. */
  encryptionConfig: string
}

/** Generates the CA, the apiserver serving cert, the admin's and each component's client certs, and one cert per node. */
export async function createClusterPKI(opts: {
  clusterName: string
  controlPlaneName: string
  controlPlaneIP: string
  serviceIP: string
  nodeNames: string[]
  /** Node name → address on the cluster network, for the agent's serving certificate. */
  nodeIPs?: Record<string, string>
}): Promise<ClusterPKI> {
  const [ca, etcdCA] = await Promise.all([createCA(opts.clusterName), createCA(`${opts.clusterName}-etcd`)])
  const etcdCerts = Promise.all([
    etcdCA.sign({commonName: 'kube-etcd', server: true, client: false, dnsNames: ['localhost', opts.controlPlaneName], ips: ['127.0.0.1']}),
    etcdCA.sign({commonName: 'kube-apiserver-etcd-client'}),
  ])
  const [apiServer, admin, controller, scheduler, proxy, kubeletClient, ...nodeCerts] = await Promise.all([
    ca.sign({
      commonName: 'kube-apiserver',
      server: true,
      client: false,
      dnsNames: ['localhost', opts.controlPlaneName, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
      ips: ['127.0.0.1', opts.controlPlaneIP, opts.serviceIP],
    }),
    // Each component its own identity with a least-privilege role (see src/apiserver/authz/rbac/components.ts);
    // the admin is in kubeadm's group, so its rights come from a binding an administrator can see and change.
    ca.sign({commonName: 'kubernetes-admin', organizations: ['kubeadm:cluster-admins']}),
    ca.sign({commonName: 'system:kube-controller-manager'}),
    ca.sign({commonName: 'system:kube-scheduler'}),
    ca.sign({commonName: 'system:kube-proxy'}),
    ca.sign({commonName: 'kube-apiserver-kubelet-client', organizations: ['kube-master']}),
    // Node certificates both authenticate the agent and serve its :10250 endpoint (logs, exec), which
    // the apiserver reaches by node name or address.
    ...opts.nodeNames.map((n) => signNodeCert(ca, n, opts.nodeIPs?.[n])),
  ])
  const nodes: Record<string, KeyPair> = {}
  opts.nodeNames.forEach((n, i) => (nodes[n] = nodeCerts[i]))
  const [etcdServer, etcdClient] = await etcdCerts
  const etcd = {ca: {cert: etcdCA.cert, key: etcdCA.key}, server: etcdServer, apiServerClient: etcdClient}
  return {ca: {cert: ca.cert, key: ca.key}, apiServer, admin, controller, scheduler, proxy, kubeletClient, nodes, etcd, encryptionConfig: defaultEncryptionConfig()}
}
