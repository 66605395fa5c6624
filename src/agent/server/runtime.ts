// The seam between the agent's streaming server and the node's container runtime: finding a pod's containers, their log files, and opening exec/attach sessions.
import type {Readable, Writable} from 'node:stream'
import type {StreamIO} from '../cri/client.js'
import type {SpdyConnection} from '../../client/spdy/index.js'

export type {StreamIO} from '../cri/client.js'

/** One instance (one restart) of a pod's container. */
export interface ContainerInstance {
  id: string
  restartCount: number
  running: boolean
  /** The container's CRI log file (kubelet format), when the runtime keeps one. */
  logPath?: string
  /** Whether the container runs with a TTY (attach must say so). */
  tty: boolean
}

/**
 * A live exec or attach session in the runtime: the process's standard streams, terminal resizing, and the final
 * Status (metav1.Status JSON: Success, or Failure with reason NonZeroExitCode and the exit code as a cause).
 */
export interface RemoteSession {
  stdin?: Writable
  stdout?: Readable
  stderr?: Readable
  resize(width: number, height: number): void
  /** Resolves once the session is over (after stdout and stderr have ended). */
  status: Promise<Record<string, unknown>>
  /** Ends the session early (the client went away). */
  close(): void
}

/** What the streaming server asks of the runtime. */
export interface StreamRuntime {
  /** All instances of `container` in pod `namespace/pod`, newest (highest restartCount) first. */
  containerInstances(namespace: string, pod: string, container: string): Promise<ContainerInstance[]>
  /** Whether the container is still running (a log follower stops once it is not). */
  isRunning(id: string): Promise<boolean>
  exec(id: string, command: string[], io: StreamIO): Promise<RemoteSession>
  attach(id: string, io: StreamIO): Promise<RemoteSession>
  /** A port-forward session into the pod's network namespace (the client side, on the runtime's streaming server). */
  portForward(namespace: string, pod: string): Promise<SpdyConnection>
  /** Whether the pod has a running sandbox (the network namespace to forward into). */
  hasSandbox(namespace: string, pod: string): Promise<boolean>
}
