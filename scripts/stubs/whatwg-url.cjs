// Stands in for whatwg-url in the kubeconfig bundle: node-fetch 2 uses Node's own URL whenever it exists (always, on Node 20), and whatwg-url's punycode tables cost start-up time for nothing.
'use strict'
module.exports = {URL: globalThis.URL, URLSearchParams: globalThis.URLSearchParams}
