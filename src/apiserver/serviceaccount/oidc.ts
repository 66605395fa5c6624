// OIDC discovery of the service-account issuer: /.well-known/openid-configuration and /openid/v1/jwks, as kube-apiserver serves them.
import type {ServiceAccountTokens} from './tokens.js'

/** A fixed document served at a path. */
export interface StaticDocument {
  body: string
  type: string
}

export const OIDC_CONFIGURATION_PATH = '/.well-known/openid-configuration'
export const JWKS_PATH = '/openid/v1/jwks'

/** The two documents, by path; the JWKS URI is on the issuer's host, as Kubernetes derives it by default. */
export function oidcDocuments(tokens: ServiceAccountTokens): Record<string, StaticDocument> {
  const configuration = {
    issuer: tokens.issuer,
    jwks_uri: new URL(JWKS_PATH, tokens.issuer).toString(),
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
  }
  return {
    [OIDC_CONFIGURATION_PATH]: {body: JSON.stringify(configuration), type: 'application/json'},
    [JWKS_PATH]: {body: JSON.stringify(tokens.jwksSync()), type: 'application/jwk-set+json'},
  }
}
