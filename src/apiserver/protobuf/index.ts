// Kubernetes protobuf request bodies: envelope and message decoding into JSON-shaped objects.
export {decodeEnvelope, decodeMessage, decodeProtobufObject, hasSchema, isProtobuf, PROTOBUF_CONTENT_TYPE, ProtobufDecodeError, type UnknownEnvelope} from './decode.js'
export type {FieldSpec} from '../../api/resources/shared/protobuf.js'
