// Every part of a node in one process (what tests run in-process); node containers run each part from its own bundle.
import {startApiServerPart} from './parts/apiserver.js'
import {startControllerManagerPart} from './parts/controller-manager.js'
import {startNodePart} from './parts/node.js'
import {type RunNodeOptions, type RunningNode, runParts} from './run.js'

export {NODE_PARTS, waitForHttpOk, type EtcdTls, type NodePart, type NodeRole, type RunNodeOptions, type RunningNode} from './run.js'

/** Starts the components of a node of the given role and returns once they are launched (not yet Ready). */
export function runNode(opts: RunNodeOptions): Promise<RunningNode> {
  return runParts(opts, {apiserver: startApiServerPart, 'controller-manager': startControllerManagerPart, node: startNodePart})
}
