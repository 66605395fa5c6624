// PATCH support: the four Kubernetes patch types and server-side apply's managed fields.
export {applyPatch, applySkeleton, PATCH_CONTENT_TYPES, patchTypeOf, type PatchContentType} from './patch.js'
export {PatchError} from './errors.js'
export {recordUpdateManagedFields, serverSideApply} from './apply.js'
export {fieldsV1Of} from './fields.js'
