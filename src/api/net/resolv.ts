// A node's resolver settings from its resolv.conf, shared by the DNS server (its upstreams) and the agent (pods with dnsPolicy Default).
import {readFileSync} from 'node:fs'

/** The node's resolver settings, from its resolv.conf. */
export interface ResolvConf {
  nameservers: string[]
  searches: string[]
  options: string[]
}

/** Parses resolv.conf text (nameserver, search/domain, options lines). */
export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = {nameservers: [], searches: [], options: []}
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim()
    const [key, ...values] = line.split(/\s+/)
    if (key === 'nameserver' && values[0]) conf.nameservers.push(values[0])
    else if (key === 'search' || key === 'domain') conf.searches = values
    else if (key === 'options') conf.options.push(...values)
  }
  return conf
}

/** The node's resolv.conf, or empty settings when it cannot be read. */
export function nodeResolvConf(path = '/etc/resolv.conf'): ResolvConf {
  try {
    return parseResolvConf(readFileSync(path, 'utf8'))
  } catch {
    return {nameservers: [], searches: [], options: []}
  }
}
