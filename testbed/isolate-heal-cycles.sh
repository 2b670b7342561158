#!/usr/bin/env bash
# isolate-heal-cycles.sh [CYCLES] [ISOLATED_SECONDS]: the three-node bed's `node isolate` / `node heal`, CYCLES
# times (default 20), round robin over n1, n2, n3, each node cut off for ISOLATED_SECONDS (default 15: long
# enough for the others to mark it down and, when it led the swarm, elect a new leader). After each heal it
# checks, itself, that the swarm has three Ready managers with one leader (as every node sees it), and prints
# per cycle how long the heal took and who leads. Exits 1 at the first cycle that does not come back whole.
# Root, and the bed's lock: flock /work/bed3.lock -c 'bash testbed/isolate-heal-cycles.sh'
set -Eeuo pipefail
TESTBED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cycles=${1:-20}
isolated=${2:-15}
nodes=(n1 n2 n3)

node_ls() { docker -H "unix:///run/vbt-$1/docker.sock" node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}' 2>/dev/null | sort; }
# Three Ready managers, one leader, seen alike from each node.
whole() {
  local n seen first=
  for n in "${nodes[@]}"; do
    seen=$(node_ls "$n") || return 1
    [[ $(grep -cE ' Ready (Leader|Reachable)$' <<<"$seen") == 3 && $(grep -c ' Leader$' <<<"$seen") == 1 ]] || return 1
    [[ -z $first || $seen == "$first" ]] || return 1
    first=$seen
  done
}

whole || {
  echo "the swarm is not three Ready managers with one leader before the first cycle:" >&2
  node_ls n1 >&2
  exit 1
}
for ((i = 1; i <= cycles; i++)); do
  node=${nodes[$(((i - 1) % 3))]}
  bash "$TESTBED_DIR/testbed.sh" node isolate "$node" >/dev/null
  sleep "$isolated"
  started=$(date +%s%3N)
  if ! bash "$TESTBED_DIR/testbed.sh" node heal "$node" >/dev/null; then
    echo "cycle $i/$cycles ($node): node heal failed" >&2
    node_ls n1 >&2 || true
    exit 1
  fi
  healed_ms=$(($(date +%s%3N) - started))
  if ! whole; then
    echo "cycle $i/$cycles ($node): heal returned, but the swarm is not three Ready managers with one leader:" >&2
    for n in "${nodes[@]}"; do echo "  as $n sees it: $(node_ls "$n" | paste -sd ' ')" >&2; done
    exit 1
  fi
  printf 'cycle %d/%d (%s isolated %ds): three Ready managers %d.%ds after the heal; leader %s\n' "$i" "$cycles" \
    "$node" "$isolated" $((healed_ms / 1000)) $((healed_ms % 1000 / 100)) "$(node_ls n1 | awk '$3 == "Leader" {print $1}')"
done
echo "$cycles isolate/heal cycles: three Ready managers after every heal"
