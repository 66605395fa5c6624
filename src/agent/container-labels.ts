// How the agent labels pod containers in the node's containerd: the pod lifecycle code writes these, the streaming
// server (logs, exec, attach) and adoption after a restart read them.

/** Labels on every container the agent creates (same keys as Kubernetes' dockershim used). */
export const PodLabels = {
  podUID: 'io.kubernetes.pod.uid',
  podName: 'io.kubernetes.pod.name',
  podNamespace: 'io.kubernetes.pod.namespace',
  /** Container name in the pod spec; `POD` for the sandbox (pause) container. */
  containerName: 'io.kubernetes.container.name',
  /** `sandbox`, `init` or `app`. */
  containerType: 'io.skiff.container.type',
  /** How many times this container had been restarted when this instance was created. */
  restartCount: 'io.kubernetes.container.restartCount',
  /** Hash of the container spec, to notice spec changes (image updates). */
  specHash: 'io.skiff.container.hash',
  /** `true` on containers with a TTY: the CRI status does not report it, and attach must match it. */
  tty: 'io.skiff.container.tty',
} as const

/** Name of the sandbox container in the labels. */
export const SANDBOX_CONTAINER = 'POD'

/** Docker container name of a pod container: k8s_<container>_<pod>_<namespace>_<uid>_<restartCount>. */
export function dockerContainerName(container: string, pod: string, namespace: string, uid: string, restartCount: number): string {
  return `k8s_${container}_${pod}_${namespace}_${uid}_${restartCount}`
}
