// Stands in for the ssh2 package in the node bundles: the cloud controller reaches the host's Docker over its unix socket, never over SSH, and ssh2 is the largest library dockerode pulls in.
'use strict'
class Client {
  constructor() {
    throw new Error('Docker over SSH is not available inside skiff nodes')
  }
}
module.exports = {Client}
