// Looks up the patch metadata (merge keys, list types) a kind's definition carries, for strategic merge and apply.
import {builtinResources} from '../../api/resources/index.js'
import {genericPatch, type FieldDesc, type TypeDesc} from '../../api/resources/shared/patch.js'

export type {FieldDesc, TypeDesc} from '../../api/resources/shared/patch.js'

/** The root description of a built-in kind, or undefined for kinds we have no Go types for (custom resources). */
export function rootFor(gvk: {group: string; kind: string}): TypeDesc | undefined {
  return builtinResources.find((d) => d.group === gvk.group && d.kind === gvk.kind)?.patch
}

/** Root for kinds we do not know: metadata is still ObjectMeta (finalizers, ownerReferences), everything else plain. */
export const genericRoot: TypeDesc = genericPatch

/** The description of a field inside a type, if any. */
export function fieldOf(desc: TypeDesc | undefined, field: string): FieldDesc | undefined {
  return desc?.[field]
}

/** The type description a field's value (or list elements) is described by. */
export function typeOf(fd: FieldDesc | undefined): TypeDesc | undefined {
  return fd?.type
}

/** Server-side apply key fields of a list, or undefined when the list is atomic (or a set, see isSetList). */
export function ssaKeysOf(fd: FieldDesc | undefined): string[] | undefined {
  if (!fd || fd.list !== 'merge' || !fd.key) return undefined
  return fd.ssaKeys ?? [fd.key]
}
