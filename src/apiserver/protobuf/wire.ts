// Minimal protobuf wire-format reader: just enough to walk Kubernetes' gogo-generated messages.

/** One decoded field of a message: the number, the wire type and its raw value. */
export interface WireField {
  no: number
  wireType: number
  /** varint (as bigint so int64 and negative int32 survive), fixed bits, or the bytes of a length-delimited field. */
  value: bigint | Buffer
}

export class ProtobufWireError extends Error {}

/** Reads a base-128 varint at `pos`; returns the value and the position after it. */
export function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n
  let shift = 0n
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new ProtobufWireError('truncated varint')
    const b = buf[pos++]
    result |= BigInt(b & 0x7f) << shift
    if ((b & 0x80) === 0) return [result, pos]
    shift += 7n
  }
  throw new ProtobufWireError('varint longer than 10 bytes')
}

/** Splits a message into its fields in wire order; groups (deprecated) are rejected since Kubernetes never emits them. */
export function readFields(buf: Buffer): WireField[] {
  const fields: WireField[] = []
  let pos = 0
  while (pos < buf.length) {
    const [tag, p1] = readVarint(buf, pos)
    pos = p1
    const no = Number(tag >> 3n)
    const wireType = Number(tag & 7n)
    if (no === 0) throw new ProtobufWireError('field number 0')
    switch (wireType) {
      case 0: {
        const [v, p2] = readVarint(buf, pos)
        pos = p2
        fields.push({no, wireType, value: v})
        break
      }
      case 1: {
        if (pos + 8 > buf.length) throw new ProtobufWireError('truncated fixed64')
        fields.push({no, wireType, value: buf.subarray(pos, pos + 8)})
        pos += 8
        break
      }
      case 2: {
        const [len, p2] = readVarint(buf, pos)
        const end = p2 + Number(len)
        if (end > buf.length) throw new ProtobufWireError('truncated length-delimited field')
        fields.push({no, wireType, value: buf.subarray(p2, end)})
        pos = end
        break
      }
      case 5: {
        if (pos + 4 > buf.length) throw new ProtobufWireError('truncated fixed32')
        fields.push({no, wireType, value: buf.subarray(pos, pos + 4)})
        pos += 4
        break
      }
      default:
        throw new ProtobufWireError(`unsupported wire type ${wireType}`)
    }
  }
  return fields
}
