// SPDY/3.1 for Kubernetes streaming (exec, attach, port-forward): framing, sessions, the HTTP upgrade and the remote command protocol.
export {SPDY_DICTIONARY} from './dictionary.js'
export {
  adler32,
  decodeHeaderBlock,
  encodeFrame,
  encodeHeaderBlock,
  FLAG_FIN,
  FLAG_UNIDIRECTIONAL,
  FrameParser,
  FrameReader,
  GoAwayStatus,
  HeaderCompressor,
  HeaderDecompressor,
  headerValue,
  MAX_FRAME_PAYLOAD,
  parseFrame,
  RstStatus,
  SPDY_VERSION,
  SpdyProtocolError,
  type Frame,
  type DecodedFrame,
  type SpdyHeaders,
} from './frames.js'
export {SpdyConnection, SpdyStream, SpdyStreamError, type SpdyConnectionOptions, type SpdyRole} from './connection.js'
export {spdyUpgrade, SpdyUpgradeError, type SpdyUpgradeOptions, type SpdyUpgradeResult} from './upgrade.js'
export {
  exitCodeOf,
  PORT_FORWARD_PROTOCOL,
  portForwardStream,
  REMOTE_COMMAND_V4,
  remoteCommand,
  startRemoteCommand,
  type PortForwardStream,
  type RemoteCommand,
  type RemoteCommandOptions,
  type RemoteCommandStatus,
} from './remotecommand.js'
