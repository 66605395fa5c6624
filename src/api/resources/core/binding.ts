// Binding (core/v1): create-only; the scheduler posts one to bind a pod to a node.
import {defineResource} from '../def.js'

export const binding = defineResource('', 'v1', 'Binding', {verbs: ['create'], fields: ['target']})
