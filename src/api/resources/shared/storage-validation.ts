// Validation rules PersistentVolumes and PersistentVolumeClaims share: access modes and storage quantities.
import {isQuantity, quantityNumber} from '../../quantity.js'
import {ACCESS_MODES} from '../../storage.js'
import type {StatusCause} from '../../types.js'
import {forbidden, invalid, notSupported, required} from '../../validation/errors.js'

/** Access modes: at least one (`requiredDetail` says so), each known, ReadWriteOncePod alone. */
export function validateAccessModes(modes: unknown, path: string, requiredDetail = ''): StatusCause[] {
  if (!Array.isArray(modes) || modes.length === 0) return [required(path, requiredDetail)]
  const causes: StatusCause[] = []
  for (const m of modes) if (!(ACCESS_MODES as readonly string[]).includes(m as string)) causes.push(notSupported(path, m, [...ACCESS_MODES]))
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) causes.push(forbidden(path, 'may not use ReadWriteOncePod with other access modes'))
  return causes
}

/** A `storage` quantity that must be present, well-formed and above zero. */
export function validateStorageQuantity(q: unknown, path: string): StatusCause[] {
  if (q === undefined || q === null || q === '') return [required(path, '')]
  if (!isQuantity(q)) return [invalid(path, q, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]
  if ((quantityNumber(q) ?? 0) <= 0) return [invalid(path, q, 'must be greater than zero')]
  return []
}
