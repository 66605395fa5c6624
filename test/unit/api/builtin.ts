// Test helper: the definition of a served kind by group and plural resource.
import {builtinResources, type ResourceDef} from '../../../src/api/resources/index.js'

export function builtin(group: string, resource: string): ResourceDef {
  const d = builtinResources.find((x) => x.group === group && x.resource === resource)
  if (!d) throw new Error(`${group}/${resource} is not served`)
  return d
}
