// Bundle entry (skiff-node.cjs): every node's own components (agent, proxy, NetworkPolicy, DNS).
import {startNodePart} from '../parts/node.js'
import {runProcess} from '../process.js'

runProcess({node: startNodePart})
