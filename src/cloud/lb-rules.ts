// The load-balancer container's data path: kernel NAT rules (DNAT to the nodes' node ports, random balancing, masquerade), so no userland copy is added to Docker's own.
import type {Listener} from './lb-config.js'

/** Chains of the load-balancer container's nat table. */
export const LB_CHAIN = 'SKIFF-LB'
export const LB_POST_CHAIN = 'SKIFF-LB-POSTROUTING'

/**
 * One iptables-restore batch (with --noflush) that rewrites the load balancer's chains: each listener's port is
 * DNAT'ed to one of its backends, picked at random with kube-proxy's falling probabilities (1/n, 1/(n-1), ... 1),
 * and everything DNAT'ed is masqueraded so replies come back through the container. A port without backends gets no
 * rule: the connection reaches the container itself, where nothing listens, and is refused.
 */
export function lbRestoreInput(listeners: Pick<Listener, 'nodePort' | 'backends'>[]): string {
  const lines = ['*nat', `:${LB_CHAIN} - [0:0]`, `:${LB_POST_CHAIN} - [0:0]`]
  for (const l of [...listeners].sort((a, b) => a.nodePort - b.nodePort)) {
    const n = l.backends.length
    l.backends.forEach((b, i) => {
      const pick = i < n - 1 ? ` -m statistic --mode random --probability ${(1 / (n - i)).toFixed(10)}` : ''
      lines.push(`-A ${LB_CHAIN} -p tcp -m tcp --dport ${l.nodePort}${pick} -j DNAT --to-destination ${b}`)
    })
  }
  lines.push(`-A ${LB_POST_CHAIN} -m conntrack --ctstate DNAT -j MASQUERADE`, 'COMMIT', '')
  return lines.join('\n')
}

/**
 * The container's main, a shell script: pick the iptables backend the host's Docker used in this network namespace
 * (it writes its embedded-DNS rules there; legacy when it did so with legacy), hook the chains, apply the first
 * rules from $SKIFF_LB_RULES and stay alive. Later batches arrive through `docker exec` (see HostLoadBalancer).
 */
export const LB_MAIN = [
  'set -e',
  'IPT=nft; case "$(iptables-legacy-save 2>/dev/null)" in *"-A "*) IPT=legacy ;; esac',
  'echo "$IPT" > /run/ipt',
  `printf '%s' "$SKIFF_LB_RULES" | "iptables-$IPT-restore" -w --noflush`,
  `"iptables-$IPT" -w -t nat -C PREROUTING -j ${LB_CHAIN} 2>/dev/null || "iptables-$IPT" -w -t nat -I PREROUTING 1 -j ${LB_CHAIN}`,
  `"iptables-$IPT" -w -t nat -C POSTROUTING -j ${LB_POST_CHAIN} 2>/dev/null || "iptables-$IPT" -w -t nat -I POSTROUTING 1 -j ${LB_POST_CHAIN}`,
  'echo "load balancer: rules applied with iptables-$IPT"',
  'touch /run/lb-ready',
  'exec sleep infinity',
].join('\n')

/** Written by the container's main once its first rules are in, so status is not written before it forwards. */
export const LB_READY_FILE = '/run/lb-ready'

/** The script `docker exec` runs to apply a new batch, given as its first argument. */
export const LB_UPDATE = 'printf "%s" "$1" | "iptables-$(cat /run/ipt)-restore" -w --noflush'
