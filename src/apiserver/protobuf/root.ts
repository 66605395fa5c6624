// The protobufjs types of every served kind's messages, built from the field tables in the kind modules.
import protobuf from 'protobufjs'

import {builtinResources} from '../../api/resources/index.js'
import {metaMessages, type MessageSchema} from '../../api/resources/shared/protobuf.js'

/** Every message schema the served kinds carry, by name (names are unique across kinds, shared ones identical). */
export const messages: Record<string, MessageSchema> = Object.assign({}, metaMessages, ...builtinResources.map((d) => d.protobuf ?? {}))

/** Kubernetes' wrapper messages, which the JSON form renders as plain values (see decode.ts). */
const wrappers: Record<string, MessageSchema> = {
  Time: {1: ['seconds', 'int64'], 2: ['nanos', 'int32']},
  IntOrString: {1: ['type', 'int64'], 2: ['intVal', 'int32'], 3: ['strVal', 'string']},
  Quantity: {1: ['string', 'string']},
  RawJSON: {1: ['raw', 'bytes']},
  // runtime.Unknown, the envelope around every typed body, and its TypeMeta.
  Unknown: {1: ['typeMeta', 'TypeMeta'], 2: ['raw', 'bytes'], 3: ['contentEncoding', 'string'], 4: ['contentType', 'string']},
}

/** The protobufjs field name of a table entry; inline (embedded) fields have no JSON name of their own. */
export function fieldName(no: string | number, name: string): string {
  return name || `inline${no}`
}

function toType(name: string, schema: MessageSchema): protobuf.Type {
  const type = new protobuf.Type(name)
  for (const [no, [field, fieldType, flags = '']] of Object.entries(schema)) {
    const id = Number(no)
    const map = /^map<(\w+),(\w+)>$/.exec(fieldType)
    if (map) type.add(new protobuf.MapField(fieldName(no, field), id, map[1], map[2]))
    else type.add(new protobuf.Field(fieldName(no, field), id, fieldType, flags.includes('r') ? 'repeated' : 'optional'))
  }
  return type
}

const root = new protobuf.Root()
for (const [name, schema] of Object.entries({...messages, ...wrappers})) root.add(toType(name, schema))
root.resolveAll()

/** The protobufjs type of a message, or undefined when no kind defines it. */
export function lookupType(name: string): protobuf.Type | undefined {
  return messages[name] || wrappers[name] ? root.lookupType(name) : undefined
}
