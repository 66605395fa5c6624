// The error type patch application throws; the apiserver maps `code` straight onto the Status it returns.
import type {StatusCause} from '../../api/types.js'

export class PatchError extends Error {
  constructor(
    /** HTTP status: 400 bad patch/missing fieldManager, 409 apply conflict, 415 unsupported type, 422 failed test or invalid result. */
    readonly code: 400 | 409 | 415 | 422,
    message: string,
    readonly causes?: StatusCause[],
  ) {
    super(message)
    this.name = 'PatchError'
  }

  /** The Status reason matching `code`, for building the error response. */
  get reason(): string {
    return {400: 'BadRequest', 409: 'Conflict', 415: 'UnsupportedMediaType', 422: 'Invalid'}[this.code]
  }
}
