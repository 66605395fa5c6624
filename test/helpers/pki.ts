// Test PKI: a throwaway CA plus server and client certificates (ECDSA P-256), independent of src/cluster/pki.
// @peculiar/x509 uses tsyringe, which needs the reflect polyfill loaded first.
import 'reflect-metadata'
import {webcrypto} from 'node:crypto'
import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(webcrypto as unknown as Crypto)
const alg = {name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256'} as const

export interface TestCert {
  cert: string
  key: string
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key as unknown as webcrypto.CryptoKey))
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`
}

/** A CA that can sign server and client certificates. */
export async function createTestCa(): Promise<TestCert & {sign(subject: string, opts?: {server?: boolean; notAfter?: Date; dns?: string[]}): Promise<TestCert>}> {
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']) as unknown as CryptoKeyPair
  const now = new Date(Date.now() - 60_000)
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: 'CN=skiff-test-ca', notBefore: now, notAfter: new Date(Date.now() + 86_400_000), keys, signingAlgorithm: alg,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature, true)],
  })
  let serial = 2
  return {
    cert: ca.toString('pem'),
    key: await keyPem(keys.privateKey),
    async sign(subject, opts = {}) {
      const leafKeys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']) as unknown as CryptoKeyPair
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: String(serial++).padStart(2, '0'), subject, issuer: ca.subject, notBefore: now,
        notAfter: opts.notAfter ?? new Date(Date.now() + 86_400_000), signingKey: keys.privateKey, publicKey: leafKeys.publicKey, signingAlgorithm: alg,
        extensions: [
          new x509.ExtendedKeyUsageExtension([opts.server ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
          ...(opts.server ? [new x509.SubjectAlternativeNameExtension([{type: 'ip', value: '127.0.0.1'}, {type: 'dns', value: 'localhost'}, ...(opts.dns ?? []).map((value) => ({type: 'dns' as const, value}))])] : []),
        ],
      })
      return {cert: leaf.toString('pem'), key: await keyPem(leafKeys.privateKey)}
    },
  }
}
