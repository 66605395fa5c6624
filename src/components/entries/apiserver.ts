// Bundle entry (skiff-apiserver.cjs): a control plane's apiserver process, carrying only the apiserver's code.
import {startApiServerPart} from '../parts/apiserver.js'
import {runProcess} from '../process.js'

runProcess({apiserver: startApiServerPart})
