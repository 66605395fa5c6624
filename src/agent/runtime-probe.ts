// What the agent asks of the node's container runtime before registering and while heartbeating: is it answering, and which version.

/** The runtime's health as the agent sees it (a node whose runtime does not answer is not Ready). */
export interface RuntimeProbe {
  /** Resolves when the runtime answers, rejects otherwise. */
  ping(): Promise<void>
  /** The runtime's version as a Node reports it, e.g. "containerd://1.6.20". */
  version(): Promise<string>
}
