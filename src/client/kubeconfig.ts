// Turns a kubeconfig file and context into a ClientConfig (inline data or file references, token, insecure).
import {readFile} from 'node:fs/promises'
import {dirname, isAbsolute, resolve} from 'node:path'
import yaml from 'js-yaml'
import {SkiffError} from '../errors.js'
import type {ClientConfig} from './api-client.js'

const fromB64 = (s: string) => Buffer.from(s, 'base64').toString('utf8')

/** Resolves context (or current-context) of the parsed kubeconfig doc to a ClientConfig; file refs are read relative to baseDir. */
export async function clientConfigFromKubeconfig(doc: any, context: string | undefined, baseDir: string, source = 'kubeconfig'): Promise<ClientConfig> {
  if (!doc || typeof doc !== 'object') throw new SkiffError(`${source} is empty or not a kubeconfig`)
  const ctxName = context ?? doc['current-context']
  if (!ctxName) throw new SkiffError(`${source} has no current-context`, {suggestions: ['Pass a context name.']})
  const named = (list: any, name: string) => (Array.isArray(list) ? list.find((e: any) => e?.name === name) : undefined)
  const ctx = named(doc.contexts, ctxName)?.context
  if (!ctx) throw new SkiffError(`context "${ctxName}" not found in ${source}`)
  const cluster = named(doc.clusters, ctx.cluster)?.cluster
  if (!cluster?.server) throw new SkiffError(`cluster "${ctx.cluster}" of context "${ctxName}" not found in ${source}`)
  const user = (ctx.user ? named(doc.users, ctx.user)?.user : undefined) ?? {}

  const readRef = async (data: unknown, file: unknown): Promise<string | undefined> => {
    if (typeof data === 'string' && data) return fromB64(data)
    if (typeof file === 'string' && file) return readFile(isAbsolute(file) ? file : resolve(baseDir, file), 'utf8')
    return undefined
  }
  const [ca, cert, key, tokenFromFile] = await Promise.all([
    readRef(cluster['certificate-authority-data'], cluster['certificate-authority']),
    readRef(user['client-certificate-data'], user['client-certificate']),
    readRef(user['client-key-data'], user['client-key']),
    readRef(undefined, user.tokenFile),
  ])
  return {
    server: cluster.server,
    ca,
    cert,
    key,
    token: user.token ?? tokenFromFile?.trim(),
    insecureSkipTLSVerify: cluster['insecure-skip-tls-verify'] === true,
  }
}

/** Reads the kubeconfig at path and resolves context (the current one by default). */
export async function loadKubeconfigClientConfig(path: string, context?: string): Promise<ClientConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err: any) {
    throw new SkiffError(`cannot read kubeconfig ${path}: ${err.message}`, {cause: err})
  }
  let doc: unknown
  try {
    doc = yaml.load(text)
  } catch (err: any) {
    throw new SkiffError(`${path} is not a valid kubeconfig: ${err.reason ?? err.message}`, {cause: err})
  }
  return clientConfigFromKubeconfig(doc, context, dirname(path), path)
}
