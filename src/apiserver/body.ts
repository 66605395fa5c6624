// Request bodies: read with a size cap, then decode JSON, YAML or Kubernetes protobuf by Content-Type.
import type {IncomingMessage} from 'node:http'
import yaml from 'js-yaml'
import {depthMessage, exceedsDepth, MAX_DEPTH} from './depth.js'
import type {Deps} from './deps.js'
import {ApiError, errors} from './errors.js'

const maxBody = 3 * 1024 * 1024

/** Reads the whole body (empty Buffer when there is none). */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > maxBody) throw new ApiError(413, 'RequestEntityTooLarge', 'the request body is too large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/** The media type without parameters, lower case; a missing header counts as JSON. */
export function mediaType(req: IncomingMessage): string {
  const raw = req.headers['content-type']
  return raw ? raw.split(';')[0].trim().toLowerCase() : 'application/json'
}

/** Decodes an object body (create, update, delete options); bodies nested past MAX_DEPTH are a 400. */
export function decodeBody(buf: Buffer, type: string, deps: Deps): unknown {
  if (buf.length === 0) return undefined
  const [format, value] = decodeAny(buf, type, deps)
  if (exceedsDepth(value)) throw errors.badRequest(`error decoding ${format}: ${depthMessage()}`)
  return value
}

function decodeAny(buf: Buffer, type: string, deps: Deps): [string, unknown] {
  if (type === 'application/vnd.kubernetes.protobuf' || deps.isProtobuf(buf)) {
    try {
      return ['protobuf', deps.decodeProtobufObject(buf)]
    } catch (err) {
      const code = (err as {code?: number}).code
      if (code === 415) throw errors.unsupportedMediaType(type)
      throw errors.badRequest(`unable to decode protobuf body: ${(err as Error).message}`)
    }
  }
  if (type === 'application/json' || type === '*/*' || type.endsWith('+json')) return ['JSON', parseJson(buf)]
  if (type === 'application/yaml' || type.endsWith('+yaml') || type === 'text/yaml') {
    try {
      return ['YAML', yaml.load(buf.toString('utf8'), yamlOptions)]
    } catch (err) {
      if (err instanceof yaml.YAMLException && /nesting exceeded maxDepth/.test(err.message)) throw errors.badRequest(`error decoding YAML: ${depthMessage()}`)
      throw errors.badRequest(`error decoding YAML: ${(err as Error).message}`)
    }
  }
  throw errors.unsupportedMediaType(type)
}

// js-yaml stops at its own nesting limit (100 unless told; @types/js-yaml does not list the option yet).
const yamlOptions = {maxDepth: MAX_DEPTH} as yaml.LoadOptions

function parseJson(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'))
  } catch (err) {
    throw errors.badRequest(`error decoding JSON: ${(err as Error).message}`)
  }
}
