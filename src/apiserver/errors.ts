// API errors as Kubernetes Status objects: one class, and constructors for each reason clients rely on.
import type {Status, StatusCause} from '../api/types.js'

/** An error answered as a Status with an HTTP code. */
export class ApiError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string, readonly details?: Status['details']) {
    super(message)
    this.name = 'ApiError'
  }

  toStatus(): Status {
    return {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, details: this.details, code: this.code}
  }
}

/** `<resource>[.<group>]`, the qualified name kubectl messages use. */
export function qualified(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource
}

export const errors = {
  notFound: (resource: string, group: string, name: string) =>
    new ApiError(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`, {name, group, kind: resource}),
  alreadyExists: (resource: string, group: string, name: string) =>
    new ApiError(409, 'AlreadyExists', `${qualified(resource, group)} "${name}" already exists`, {name, group, kind: resource}),
  conflict: (resource: string, group: string, name: string) =>
    new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, {name, group, kind: resource}),
  invalid: (kind: string, group: string, name: string, causes: StatusCause[]) =>
    new ApiError(422, 'Invalid', `${kind}${group ? '.' + group : ''} "${name}" is invalid: ${causes.map(c => `${c.field ? c.field + ': ' : ''}${c.message}`).join(', ')}`, {name, group, kind, causes}),
  conflictPrecondition: (def: {resource: string; group: string}, name: string, detail: string) =>
    new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(def.resource, def.group)} "${name}": Precondition failed: ${detail}`, {name, group: def.group, kind: def.resource}),
  badRequest: (message: string) => new ApiError(400, 'BadRequest', message),
  unsupportedMediaType: (type: string) => new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${JSON.stringify(type)})`),
  methodNotAllowed: (verb: string) => new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${verb})`),
  notFoundPath: () => new ApiError(404, 'NotFound', 'the server could not find the requested resource'),
  unauthorized: () => new ApiError(401, 'Unauthorized', 'Unauthorized'),
  expired: (message: string) => new ApiError(410, 'Expired', message),
  internal: (message: string) => new ApiError(500, 'InternalError', `Internal error occurred: ${message}`),
}
