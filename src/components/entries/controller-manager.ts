// Bundle entry (skiff-controller-manager.cjs): a control plane's controllers, scheduler, cloud and Ingress controllers.
import {startControllerManagerPart} from '../parts/controller-manager.js'
import {runProcess} from '../process.js'

runProcess({'controller-manager': startControllerManagerPart})
