// The control loops the manager runs by default, by name (add new loops here).
import {newNodeLifecycleController} from './nodelifecycle/controller.js'
import type {ControllerFactory} from './types.js'

/** Every built-in controller, keyed by the name used in logs and in `enabled`. */
export const defaultControllers: Record<string, ControllerFactory> = {
  nodelifecycle: newNodeLifecycleController,
}
