// The EncryptionConfiguration `cluster create` gives the control plane: Secrets under a fresh per-cluster AES-GCM key.
import {randomBytes} from 'node:crypto'
import yaml from 'js-yaml'

/**
 * A cluster's default config (apiserver.config.k8s.io/v1): Secrets written with AES-GCM under `keyName`, and
 * identity second so Secrets stored before encryption was on still read. Rotating means putting a new key first.
 */
export function defaultEncryptionConfig(secret: Buffer = randomBytes(32), keyName = 'key1'): string {
  return yaml.dump({
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'EncryptionConfiguration',
    resources: [{resources: ['secrets'], providers: [{aesgcm: {keys: [{name: keyName, secret: secret.toString('base64')}]}}, {identity: {}}]}],
  })
}
