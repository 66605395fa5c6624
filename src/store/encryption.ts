// Encryption at rest: Kubernetes' EncryptionConfiguration (aesgcm, aescbc, identity) as a value transformer of the etcd store.
import {type CipherGCMTypes, createCipheriv, createDecipheriv, randomBytes} from 'node:crypto'
import {readFileSync} from 'node:fs'
import yaml from 'js-yaml'

/**
 * Turns stored bytes into plain bytes and back. `key` is the etcd key: AES-GCM authenticates it, as
 * Kubernetes does, so a ciphertext copied under another key does not decrypt.
 */
export interface ValueTransformer {
  toStorage(key: string, plain: Buffer): Buffer
  fromStorage(key: string, stored: Buffer): Buffer
}

/** One provider of a resource's chain: writes with its own format, reads what carries its prefix. */
interface Provider {
  /** The stored prefix it recognises; empty for identity (which reads anything). */
  prefix: string
  write(key: string, plain: Buffer): Buffer
  /** Decrypts the bytes after the prefix. */
  read(key: string, body: Buffer): Buffer
}

const GCM_NONCE = 12
const GCM_TAG = 16
const CBC_BLOCK = 16

/** Kubernetes' AES-GCM layout: prefix + 12-byte nonce + ciphertext + 16-byte tag, the etcd key as AAD. */
function aesgcm(name: string, secret: Buffer): Provider {
  const alg = `aes-${secret.length * 8}-gcm` as CipherGCMTypes
  return {
    prefix: `k8s:enc:aesgcm:v1:${name}:`,
    write(key, plain) {
      const nonce = randomBytes(GCM_NONCE)
      const c = createCipheriv(alg, secret, nonce, {authTagLength: GCM_TAG})
      c.setAAD(Buffer.from(key))
      const body = Buffer.concat([c.update(plain), c.final()])
      return Buffer.concat([Buffer.from(this.prefix), nonce, body, c.getAuthTag()])
    },
    read(key, data) {
      if (data.length < GCM_NONCE + GCM_TAG) throw new Error('the stored data was shorter than the required size')
      const d = createDecipheriv(alg, secret, data.subarray(0, GCM_NONCE), {authTagLength: GCM_TAG})
      d.setAAD(Buffer.from(key))
      d.setAuthTag(data.subarray(data.length - GCM_TAG))
      return Buffer.concat([d.update(data.subarray(GCM_NONCE, data.length - GCM_TAG)), d.final()])
    },
  }
}

/** Kubernetes' AES-CBC layout: prefix + 16-byte IV + PKCS#7-padded ciphertext (no authentication). */
function aescbc(name: string, secret: Buffer): Provider {
  const alg = `aes-${secret.length * 8}-cbc` as const
  return {
    prefix: `k8s:enc:aescbc:v1:${name}:`,
    write(_key, plain) {
      const iv = randomBytes(CBC_BLOCK)
      const c = createCipheriv(alg, secret, iv)
      return Buffer.concat([Buffer.from(this.prefix), iv, c.update(plain), c.final()])
    },
    read(_key, data) {
      if (data.length < CBC_BLOCK) throw new Error('the stored data was shorter than the required size')
      const d = createDecipheriv(alg, secret, data.subarray(0, CBC_BLOCK))
      return Buffer.concat([d.update(data.subarray(CBC_BLOCK)), d.final()])
    },
  }
}

const identity: Provider = {prefix: '', write: (_k, plain) => plain, read: (_k, data) => data}

/** A resource's provider chain: the first writes, every one reads what it recognises. */
class ProviderChain {
  constructor(private readonly providers: Provider[]) {}

  write(key: string, plain: Buffer): Buffer {
    return this.providers[0].write(key, plain)
  }

  read(key: string, stored: Buffer): Buffer {
    const errors: string[] = []
    for (const p of this.providers) {
      if (!p.prefix || !stored.subarray(0, p.prefix.length).equals(Buffer.from(p.prefix))) continue
      try {
        return p.read(key, stored.subarray(p.prefix.length))
      } catch (err) {
        errors.push(`${p.prefix}: ${(err as Error).message}`)
      }
    }
    // Plain data reads through identity only when it is not encrypted with a key we lack: silently
    // handing out ciphertext would hide a lost key.
    if (stored.subarray(0, 8).toString() === 'k8s:enc:' || errors.length > 0) {
      throw new Error(`cannot decrypt ${key}: ${errors.length > 0 ? errors.join('; ') : `no provider for ${stored.subarray(0, 40).toString().split(':').slice(0, 5).join(':')}`}`)
    }
    if (this.providers.includes(identity)) return stored
    throw new Error(`cannot decrypt ${key}: data is not encrypted and no identity provider is configured`)
  }
}

/** The transformer of an EncryptionConfiguration: key prefixes of the configured resources → chains; other keys pass through. */
export class EncryptionTransformer implements ValueTransformer {
  constructor(private readonly chains: Array<{prefix: string; chain: ProviderChain}>) {}

  private chainOf(key: string): ProviderChain | undefined {
    return this.chains.find((c) => key.startsWith(c.prefix))?.chain
  }

  toStorage(key: string, plain: Buffer): Buffer {
    return this.chainOf(key)?.write(key, plain) ?? plain
  }

  fromStorage(key: string, stored: Buffer): Buffer {
    return this.chainOf(key)?.read(key, stored) ?? stored
  }
}

interface KeySpec {name?: unknown; secret?: unknown}
interface ProviderSpec {aesgcm?: {keys?: KeySpec[]}; aescbc?: {keys?: KeySpec[]}; identity?: unknown}
interface ConfigSpec {kind?: unknown; apiVersion?: unknown; resources?: Array<{resources?: unknown; providers?: ProviderSpec[]}>}

function keyProviders(kind: 'aesgcm' | 'aescbc', keys: KeySpec[] | undefined): Provider[] {
  if (!keys?.length) throw new Error(`${kind}: at least one key is required`)
  return keys.map((k) => {
    if (typeof k.name !== 'string' || !k.name) throw new Error(`${kind}: a key needs a name`)
    const secret = Buffer.from(typeof k.secret === 'string' ? k.secret : '', 'base64')
    if (![16, 24, 32].includes(secret.length)) throw new Error(`${kind} key ${k.name}: secret must be 16, 24 or 32 bytes base64-encoded, got ${secret.length}`)
    return kind === 'aesgcm' ? aesgcm(k.name, secret) : aescbc(k.name, secret)
  })
}

/** The etcd key prefix of a resource named "secrets" or "widgets.example.com" (the store's key layout). */
function resourceKeyPrefix(resource: string): string {
  const dot = resource.indexOf('.')
  return dot < 0 ? `/registry/core/${resource}/` : `/registry/${resource.slice(dot + 1)}/${resource.slice(0, dot)}/`
}

/** Parses an EncryptionConfiguration (apiserver.config.k8s.io/v1) document; throws on what Kubernetes rejects. */
export function parseEncryptionConfig(text: string): EncryptionTransformer {
  const doc = yaml.load(text) as ConfigSpec | undefined
  if (doc?.kind !== 'EncryptionConfiguration') throw new Error(`encryption config: kind must be EncryptionConfiguration, got ${String(doc?.kind)}`)
  const chains: Array<{prefix: string; chain: ProviderChain}> = []
  for (const entry of doc.resources ?? []) {
    const providers = (entry.providers ?? []).flatMap((p): Provider[] => {
      if (p.aesgcm) return keyProviders('aesgcm', p.aesgcm.keys)
      if (p.aescbc) return keyProviders('aescbc', p.aescbc.keys)
      if (p.identity !== undefined) return [identity]
      throw new Error(`encryption config: unsupported provider ${Object.keys(p).join(',')}`)
    })
    if (providers.length === 0) throw new Error('encryption config: a resource entry needs at least one provider')
    const chain = new ProviderChain(providers)
    const resources = Array.isArray(entry.resources) ? entry.resources as unknown[] : []
    for (const r of resources) {
      if (typeof r !== 'string' || !r) throw new Error('encryption config: resources must be names')
      chains.push({prefix: resourceKeyPrefix(r), chain})
    }
  }
  return new EncryptionTransformer(chains)
}

/** Loads the config file, or undefined when there is none (clusters created before encryption at rest). */
export function loadEncryptionConfig(path: string): EncryptionTransformer | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  return parseEncryptionConfig(text)
}
