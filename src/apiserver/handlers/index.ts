// The resource handlers, chosen by verb and subresource.
export {dispatch} from './dispatch.js'
