// Stands in for client-node's generated API (gen/index.js) in the kubeconfig bundle: KubeConfig needs it only for makeApiClient, which skiff never calls (it speaks HTTP itself), and the generated models are most of the package's start-up cost.
const unavailable = () => {
  throw new Error("client-node's generated API clients are not part of skiff's KubeConfig bundle")
}
export const createConfiguration = unavailable
export class ServerConfiguration {
  constructor() {
    unavailable()
  }
}
