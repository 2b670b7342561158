# shellcheck shell=bash
# The three-node test bed: production's shape (three Swarm managers on three hosts) on one machine.
# Sourced by testbed.sh for `up|status|down --nodes 3`, after its own functions are defined; never
# run on its own.
#
#   host (root network namespace)                 192.168.213.1/24 on the bridge vbt-br0
#    ├─ veth vbt-n1-veth ── netns vbt-n1: eth0   192.168.213.11  dockerd, host name vbt-n1
#    ├─ veth vbt-n2-veth ── netns vbt-n2: eth0   192.168.213.12  dockerd, host name vbt-n2
#    └─ veth vbt-n3-veth ── netns vbt-n3: eth0   192.168.213.13  dockerd, host name vbt-n3
#
# Each node is a separate Docker Engine in its own network and UTS namespace (its own addresses,
# ports, iptables and host name), with its own data root ($CACHE/nodes/nN/data: images, named
# volumes, swarm state), exec root and socket (/run/vbt-nN/: docker.sock, docker.pid, exec/, all
# gone at reboot like the namespaces), its own managed containerd, default bridge (--bip) and
# cgroup parent. They share the host's file system, so a bind-mount source (the certificate folder)
# is the same folder on every node, as cert-distributor makes it in production. The three form one
# swarm of three managers, advertised on their bridge addresses; `iklimco-net` spans them.
#
# The host reaches each Engine through its socket (TESTBED_NODE_HOSTS, first the node the worker
# talks to), e.g. `docker -H unix:///run/vbt-n2/docker.sock ps`. Nothing leaves these namespaces:
# they have no default route; the bridge's one iptables rule only lets them talk to each other.
# Each node runs its own tunnel into iklimco-net (the one-node bed's tunnel image), published on
# that node's bridge address, <address>:18200 (TESTBED_NODE_TUNNELS): a worker for node nN uses
# DOCKER_SOCKET=/run/vbt-nN/docker.sock and VAULT_TUNNEL_ADDRESS=<nN's tunnel>. It is published by
# the node's own Engine, not through the swarm's routing mesh (this kernel has no IPVS).
#
# `up` reuses the one-node bed's host parts (dockerd as the image source, binaries, images,
# certificates, the Temporal dev server) and writes $CACHE/testbed-3.env. `down` removes the
# tunnels, stops the Engines and removes the namespaces, veths, bridge and rule but keeps
# $CACHE/nodes, so the next `up` restarts the same swarm with its images; `down --purge` removes
# $CACHE/nodes too.

MN_NODES=(n1 n2 n3)
MN_BRIDGE=vbt-br0
MN_NET_PREFIX=192.168.213 # a /24 no Docker network on this machine uses; the host is .1
MN_HOST_ADDRESS=$MN_NET_PREFIX.1
MN_TUNNEL_PORT=18200 # each node's tunnel, on the node's bridge address
MN_POOL=10.213.0.0/16 # the nodes' swarm address pool (overlay subnets), apart from the host swarm's
MN_STATE=$CACHE/nodes
MN_ENV_FILE=$CACHE/testbed-3.env
MN_RULE=(DOCKER-USER -i "$MN_BRIDGE" -o "$MN_BRIDGE" -m comment --comment vault-bootstrap-testbed-3 -j ACCEPT)

mn_ns() { printf 'vbt-%s' "$1"; }                         # network namespace, and the node's host name
mn_address() { printf '%s.1%s' "$MN_NET_PREFIX" "${1#n}"; } # n1 -> 192.168.213.11
mn_tunnel() { printf '%s:%s' "$(mn_address "$1")" "$MN_TUNNEL_PORT"; }
mn_run() { printf '/run/vbt-%s' "$1"; }                   # socket, pid file, exec root
mn_socket() { printf '%s/docker.sock' "$(mn_run "$1")"; }
mn_host() { printf 'unix://%s' "$(mn_socket "$1")"; }
mn_veth() { printf 'vbt-%s-veth' "$1"; }
mn_docker() {
  local node=$1
  shift
  docker -H "$(mn_host "$node")" "$@"
}
# mn_csv FUNCTION: FUNCTION's value for each node, comma-separated, in MN_NODES order.
mn_csv() {
  local node values=()
  for node in "${MN_NODES[@]}"; do values+=("$("$1" "$node")"); done
  (IFS=,; printf '%s' "${values[*]}")
}

# ---------------------------------------------------------------------------------------------
# The wire: a bridge, one veth pair and one network namespace per node, one FORWARD rule

# The host's dockerd sets the FORWARD policy to DROP, and with br_netfilter bridged frames pass
# through FORWARD too: without this rule the nodes could not reach each other over the bridge.
probe_mn_rule() { iptables -C "${MN_RULE[@]}" 2>/dev/null; }
probe_mn_bridge() {
  [[ $(ip -o link show dev "$MN_BRIDGE" 2>/dev/null) =~ [\<,]UP[,\>] ]] &&
    [[ $(ip -o -4 addr show dev "$MN_BRIDGE" 2>/dev/null) == *" inet $MN_HOST_ADDRESS/24 "* ]] && probe_mn_rule
}

ensure_mn_bridge() {
  if probe_mn_bridge; then
    log "bridge: $MN_BRIDGE up ($MN_HOST_ADDRESS/24), FORWARD rule present"
    return
  fi
  if ! ip link show "$MN_BRIDGE" >/dev/null 2>&1; then
    log "bridge: creating $MN_BRIDGE ($MN_HOST_ADDRESS/24)"
    ip link add "$MN_BRIDGE" type bridge
  fi
  ip addr replace "$MN_HOST_ADDRESS/24" dev "$MN_BRIDGE"
  ip link set "$MN_BRIDGE" up
  if ! probe_mn_rule; then
    iptables -L DOCKER-USER -n >/dev/null 2>&1 ||
      die "iptables has no DOCKER-USER chain: is the host's dockerd running with iptables enabled?"
    log "bridge: letting $MN_BRIDGE forward between its ports (iptables -I ${MN_RULE[*]})"
    iptables -I "${MN_RULE[@]}"
  fi
}

probe_mn_link() {
  local node=$1 ns
  ns=$(mn_ns "$node")
  [[ -e /run/netns/$ns ]] &&
    [[ $(ip -o link show dev "$(mn_veth "$node")" 2>/dev/null) == *"master $MN_BRIDGE state UP"* ]] &&
    [[ $(ip -n "$ns" -o -4 addr show dev eth0 2>/dev/null) == *" inet $(mn_address "$node")/24 "* ]]
}

ensure_mn_link() {
  local node=$1 ns veth
  ns=$(mn_ns "$node") veth=$(mn_veth "$node")
  if probe_mn_link "$node"; then
    log "$node: namespace $ns, $veth <-> eth0 $(mn_address "$node")/24 present"
    return
  fi
  if [[ ! -e /run/netns/$ns ]]; then
    log "$node: creating the network namespace $ns"
    ip netns add "$ns"
  fi
  if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
    ip link del "$veth" 2>/dev/null || true # a half-made pair from an interrupted run
    log "$node: veth $veth <-> $ns:eth0 ($(mn_address "$node")/24)"
    ip link add "$veth" type veth peer name eth0 netns "$ns"
  fi
  ip link set "$veth" master "$MN_BRIDGE" up
  ip -n "$ns" addr replace "$(mn_address "$node")/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
}

# ---------------------------------------------------------------------------------------------
# The Engines

# mn_dockerd_pid NODE: the pid of the node's dockerd, if it runs (checked against its command line).
mn_dockerd_pid() {
  local pid
  pid=$(cat "$(mn_run "$1")/docker.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "--exec-root $(mn_run "$1")/exec " || return 1
  printf '%s\n' "$pid"
}

# probe_mn_dockerd NODE: its Engine answers, in the node's namespace, under the node's host name.
# (Not `docker info`: a manager whose swarm has no leader takes 20s to answer that.)
probe_mn_dockerd() {
  local node=$1 pid
  pid=$(mn_dockerd_pid "$node") || return 1
  [[ $(ip netns identify "$pid" 2>/dev/null) == "$(mn_ns "$node")" ]] &&
    [[ $(nsenter -t "$pid" --uts uname -n 2>/dev/null) == "$(mn_ns "$node")" ]] &&
    mn_docker "$node" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

start_mn_dockerd() {
  local node=$1 ns run dir
  ns=$(mn_ns "$node") run=$(mn_run "$node") dir=$MN_STATE/$node
  mkdir -p "$run" "$dir/data"
  # Only these settings, whatever /etc/docker/daemon.json says; and the node's own identity key
  # (dockerd 20.10 keeps it in /etc/docker/key.json otherwise, one for all three Engines).
  printf '{"deprecated-key-path": "%s"}\n' "$dir/key.json" >"$dir/daemon.json"
  log "$node: starting dockerd in $ns (socket $(mn_socket "$node"), data $dir/data, log $dir/dockerd.log)"
  # nsenter --net, not `ip netns exec`: the latter also remounts /sys, and dockerd then fails to
  # find its cgroups. `unshare --uts` gives the Engine its own host name, which the swarm shows;
  # `--mount` its own mount namespace (a slave of the host's: the host's mounts still reach it),
  # where mn_bind_socket puts its socket at /var/run/docker.sock for its containers (see there).
  # The launcher pid file is the dockerd pid (every step execs); dockerd writes docker.pid itself.
  # shellcheck disable=SC2016 # expanded by the inner shell
  start_detached "$dir/dockerd.log" "$run/launcher.pid" \
    nsenter --net="/run/netns/$ns" unshare --uts --mount --propagation slave \
    sh -c 'printf %s "$0" >/proc/sys/kernel/hostname && exec "$@"' "$ns" \
    env DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 dockerd \
    --config-file "$dir/daemon.json" \
    --host "$(mn_host "$node")" \
    --data-root "$dir/data" \
    --exec-root "$run/exec" \
    --pidfile "$run/docker.pid" \
    --bip "172.30.${node#n}.1/24" \
    --cgroup-parent "/vbt-$node" \
    --swarm-default-advertise-addr "$(mn_address "$node")"
}

# A container that mounts /var/run/docker.sock (the worker stack does, as production runs it) must
# get its own node's Engine, as on a real host. The nodes share the host's file system, so each
# node's dockerd runs in its own mount namespace, and there the node's socket is bind-mounted over
# /run/docker.sock (/var/run is /run). The host keeps its own socket at that path; the bind is
# made once the node's dockerd has made its socket, and dies with its namespace.
mn_socket_bound() {
  local pid
  pid=$(mn_dockerd_pid "$1") || return 1
  [[ $(nsenter -t "$pid" --mount stat -Lc %d:%i /run/docker.sock 2>/dev/null) == \
    "$(stat -Lc %d:%i "$(mn_socket "$1")" 2>/dev/null)" ]]
}

mn_bind_socket() {
  local node=$1 pid
  mn_socket_bound "$node" && return
  pid=$(mn_dockerd_pid "$node") || die "$node: dockerd is not running"
  [[ $(readlink "/proc/$pid/ns/mnt") != "$(readlink /proc/self/ns/mnt)" ]] ||
    die "$node: its dockerd shares the host's mount namespace (an older test bed started it): run down --nodes 3, then up"
  [[ $(nsenter -t "$pid" --mount stat -c %F /run/docker.sock 2>/dev/null) == socket ]] ||
    die "$node: /run/docker.sock is missing (the host's dockerd makes it; is it running?)"
  log "$node: its socket at /var/run/docker.sock inside its mount namespace (for its containers)"
  nsenter -t "$pid" --mount mount --bind "$(mn_socket "$node")" /run/docker.sock
}

# ensure_mn_dockerds [NODE...]: each node's dockerd (all three by default) runs and answers.
ensure_mn_dockerds() {
  local node started=()
  (($# > 0)) || set -- "${MN_NODES[@]}"
  for node in "$@"; do
    if probe_mn_dockerd "$node"; then
      log "$node: dockerd running ($(mn_host "$node"), host name $(mn_ns "$node"))"
    elif mn_dockerd_pid "$node" >/dev/null; then
      started+=("$node") # running but not answering yet: wait for it below
    else
      start_mn_dockerd "$node"
      started+=("$node")
    fi
  done
  local deadline=$((SECONDS + 60))
  for node in "${started[@]}"; do
    until probe_mn_dockerd "$node"; do
      if ((SECONDS >= deadline)) || { sleep 0.5 && ! pid_alive "$(mn_run "$node")/launcher.pid"; }; then
        tail_log "$MN_STATE/$node/dockerd.log"
        die "$node: dockerd did not come up within 60s in $(mn_ns "$node") (log: $MN_STATE/$node/dockerd.log)"
      fi
    done
    log "$node: dockerd started"
  done
  for node in "$@"; do mn_bind_socket "$node"; done
}

# pids_gone PID...: none of them runs. A zombie counts as gone: pid 1 here reaps orphans only every
# second or two, and kill -0 still reaches a zombie.
pids_gone() {
  local pid state
  for pid in "$@"; do
    state=$(sed -E 's/.*\) ([A-Za-z]).*/\1/' "/proc/$pid/stat" 2>/dev/null) || continue
    [[ $state == Z ]] || return 1
  done
}

# mn_leftover_pids NODE: what runs of the node's Engine besides dockerd: the processes in the cgroups
# under its cgroup parent (--cgroup-parent; its containers), and those with its exec root in their
# command line (its containerd and the container shims).
mn_leftover_pids() {
  local run proc cmdline
  run=$(mn_run "$1")
  {
    cat /sys/fs/cgroup/*/"vbt-$1"/*/cgroup.procs /sys/fs/cgroup/"vbt-$1"/*/cgroup.procs 2>/dev/null || true
    for proc in /proc/[0-9]*; do
      cmdline=$(tr '\0' ' ' 2>/dev/null <"$proc/cmdline") || continue # gone meanwhile
      [[ $cmdline != *"$run/exec/"* ]] || printf '%s\n' "${proc#/proc/}"
    done
  } | sort -un
}

# stop_mn_dockerd NODE: stops the node's dockerd, then whatever it left behind if it died hard:
# processes of its containerd and containers (each killed by its pid), its cgroups and its mounts.
stop_mn_dockerd() {
  local node=$1 pid
  if pid=$(mn_dockerd_pid "$node"); then
    log "$node: stopping dockerd (pid $pid; it stops its containers first)"
    kill "$pid"
    if ! wait_until 60 pids_gone "$pid"; then
      log "$node: dockerd still running after 60s, killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  else
    log "$node: dockerd is not running"
  fi
  local proc cmdline
  for proc in $(mn_leftover_pids "$node"); do
    cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$proc/cmdline") || continue # gone meanwhile
    log "$node: killing a leftover process $proc: ${cmdline:0:80}"
    kill -KILL "$proc" 2>/dev/null || true
  done
  clear_mn_node "$node"
}

# kill_mn_dockerd NODE: power loss: SIGKILL, in one go, to the node's dockerd, its containerd, the
# shims and the container processes; then what a reboot clears (cgroups, mounts, the run folder).
kill_mn_dockerd() {
  local node=$1 pid pids
  pid=$(mn_dockerd_pid "$node") || pid=
  pids=$(mn_leftover_pids "$node")
  if [[ -z $pid && -z $pids ]]; then
    log "$node: dockerd is not running, nothing to kill"
  else
    log "$node: SIGKILL to dockerd${pid:+ (pid $pid)} and $(wc -w <<<"$pids") containerd, shim and container process(es)"
    # shellcheck disable=SC2086 # one argument per pid
    kill -KILL $pid $pids 2>/dev/null || true
    # shellcheck disable=SC2086
    wait_until 10 pids_gone $pid $pids || log "$node: some killed processes are still there after 10s"
    # A container the node was starting while the list was taken (its shim forked after it) outlives the
    # kill, holds its volume (Vault's bolt file: the next task there fails 'failed to open bolt file:
    # timeout') and runs on unseen: a power cut leaves nothing. So again, until the node has no process.
    local round
    for round in 1 2 3 4 5; do
      pids=$(mn_leftover_pids "$node")
      [[ -n $pids ]] || break
      log "$node: $(wc -w <<<"$pids") process(es) started during the kill (round $round): SIGKILL"
      # shellcheck disable=SC2086
      kill -KILL $pids 2>/dev/null || true
      # shellcheck disable=SC2086
      wait_until 10 pids_gone $pids || true
    done
  fi
  clear_mn_node "$node"
}

# clear_mn_node NODE: after its dockerd is gone, the node's cgroups, mounts and run folder (socket, pid
# file, exec root: a reboot clears /run). Its data root stays, like a disk.
clear_mn_node() {
  local node=$1 run cgroup mount
  run=$(mn_run "$node")
  for cgroup in /sys/fs/cgroup/*/"vbt-$node" /sys/fs/cgroup/"vbt-$node"; do
    [[ -d $cgroup ]] || continue
    wait_until 10 bash -c "find '$cgroup' -depth -type d -exec rmdir {} + 2>/dev/null; [[ ! -d '$cgroup' ]]" ||
      log "$node: could not remove the cgroup $cgroup"
  done
  while read -r mount; do
    umount -l "$mount" 2>/dev/null || true
  done < <(awk -v a="$run/" -v b="$MN_STATE/$node/" 'index($5, a) == 1 || index($5, b) == 1 {print $5}' \
    /proc/self/mountinfo | sort -r)
  rm -rf "$run"
}

# ---------------------------------------------------------------------------------------------
# Temporal for the nodes' containers: the dev server listens on the host's loopback only, which a
# container on a node cannot reach; a socat relay on the bridge address passes each connection on.
# TEMPORAL_NODE_ADDRESS in testbed-3.env is what a worker in the worker stack uses. It listens on
# the bridge only (no traffic from elsewhere), and survives a dev server restart (it connects per
# connection).

# The same for the Temporal cluster (up --temporal cluster, temporal-cluster.sh): TLS passes through the
# relay untouched, and the nodes verify the server as TEMPORAL_TLS_SERVER_NAME=temporal, not by address.
MN_FORWARD_PID_FILE=$CACHE/temporal-forward.pid
MN_CLUSTER_FORWARD_PID_FILE=$CACHE/temporal-cluster-forward.pid
MN_CLUSTER_PORT=17233 # temporal-cluster.sh's frontend
mn_temporal_address() { printf '%s:%s' "$MN_HOST_ADDRESS" "$TEMPORAL_PORT"; }
mn_cluster_address() { printf '%s:%s' "$MN_HOST_ADDRESS" "$MN_CLUSTER_PORT"; }
# probe_mn_relay PID_FILE PORT: a relay of PORT runs and accepts on the bridge address: this cache's (its
# pid file), or another cache's (another clone's bed, CI's clean clone), which relays to the same loopback
# port and serves as well.
# shellcheck disable=SC2016 # the inner shell expands $0 and $1
probe_mn_relay() {
  { pid_alive "$1" "TCP-LISTEN:$2,bind=$MN_HOST_ADDRESS" || mn_relay_listener "$2" >/dev/null; } &&
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$MN_HOST_ADDRESS" "$2" 2>/dev/null
}

# mn_relay_listener PORT: the pid of a socat relay listening on the bridge address's PORT, if one does.
mn_relay_listener() {
  local pid
  pid=$({ ss -ltnpH "sport = :$1" 2>/dev/null || true; } | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2 || true)
  [[ -n $pid ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "TCP-LISTEN:$1,bind=$MN_HOST_ADDRESS" &&
    printf '%s' "$pid"
}
probe_mn_temporal_forward() { probe_mn_relay "$MN_FORWARD_PID_FILE" "$TEMPORAL_PORT"; }
probe_mn_cluster_forward() { probe_mn_relay "$MN_CLUSTER_FORWARD_PID_FILE" "$MN_CLUSTER_PORT"; }

# ensure_mn_relay NAME PID_FILE PORT: relays the bridge address's PORT to the host's loopback PORT.
ensure_mn_relay() {
  local name=$1 pid_file=$2 port=$3 log_file=$CACHE/logs/${1}-forward.log
  if probe_mn_relay "$pid_file" "$port"; then
    log "$name: relayed to the nodes on $MN_HOST_ADDRESS:$port"
    return
  fi
  command -v socat >/dev/null || apt_install socat
  if ! pid_alive "$pid_file" socat; then
    log "$name: relaying $MN_HOST_ADDRESS:$port -> $TEMPORAL_IP:$port for the nodes (socat)"
    start_detached "$log_file" "$pid_file" \
      socat "TCP-LISTEN:$port,bind=$MN_HOST_ADDRESS,reuseaddr,fork" "TCP:$TEMPORAL_IP:$port"
  fi
  wait_until 10 probe_mn_relay "$pid_file" "$port" ||
    die "$name: the relay on $MN_HOST_ADDRESS:$port did not come up (log: $log_file)"
}
ensure_mn_temporal_forward() { ensure_mn_relay temporal "$MN_FORWARD_PID_FILE" "$TEMPORAL_PORT"; }
ensure_mn_cluster_forward() { ensure_mn_relay temporal-cluster "$MN_CLUSTER_FORWARD_PID_FILE" "$MN_CLUSTER_PORT"; }

# stop_mn_relay NAME PID_FILE
stop_mn_relay() {
  if pid_alive "$2" socat; then
    log "$1: stopping the relay to the nodes"
    kill "$(cat "$2")"
  fi
  rm -f "$2"
}
stop_mn_temporal_forward() {
  stop_mn_relay temporal "$MN_FORWARD_PID_FILE"
  stop_mn_relay temporal-cluster "$MN_CLUSTER_FORWARD_PID_FILE"
}

# ---------------------------------------------------------------------------------------------
# Images: the host's dockerd builds them (the one-node bed's ensure_image); each node loads a copy

MN_IMAGES=("$VAULT_IMAGE" "$VAULT_PREVIOUS_IMAGE" "$TUNNEL_IMAGE")

mn_image_ids() { "$@" image inspect --format '{{.Id}}' "${MN_IMAGES[@]}" 2>/dev/null || true; }
probe_mn_images() {
  local node want
  want=$(mn_image_ids docker)
  [[ -n $want ]] || return 1
  for node in "${MN_NODES[@]}"; do
    [[ $(mn_image_ids mn_docker "$node") == "$want" ]] || return 1
  done
}

# mn_load_images IMAGE...: the host's copies of the images on every node, saved once and loaded only
# where the node's ids differ; the images they replaced there (an older version's, now untagged) are pruned.
mn_load_images() {
  local want node tar=
  want=$(docker image inspect --format '{{.Id}}' "$@" 2>/dev/null || true)
  [[ $(grep -c . <<<"$want") == "$#" ]] || die "the host's dockerd lacks an image of $*"
  for node in "${MN_NODES[@]}"; do
    if [[ $(mn_docker "$node" image inspect --format '{{.Id}}' "$@" 2>/dev/null) == "$want" ]]; then
      log "$node: images current ($*)"
      continue
    fi
    if [[ -z $tar ]]; then
      tar=$MN_STATE/images.tar
      log "images: saving $* from the host's dockerd"
      docker save -o "$tar.tmp" "$@" && mv -f "$tar.tmp" "$tar"
    fi
    log "$node: loading $*"
    mn_docker "$node" load -q -i "$tar" >/dev/null
    mn_docker "$node" image prune -f --filter "label=$TESTBED_LABEL" >/dev/null
  done
  [[ -z $tar ]] || rm -f "$tar"
}

ensure_mn_images() { mn_load_images "${MN_IMAGES[@]}"; }

# ensure_mn_worker_image: the host's worker image (testbed.sh worker-image) on every node. Not part of
# `up` (see cmd_worker_image).
ensure_mn_worker_image() { mn_load_images "$WORKER_IMAGE"; }

# ---------------------------------------------------------------------------------------------
# The swarm: n1 initializes it, n2 and n3 join as managers

mn_swarm_state() { mn_docker "$1" info --format '{{.Swarm.LocalNodeState}} {{.Swarm.Cluster.ID}}' 2>/dev/null || true; }

# The three host names, each once, each a Ready and reachable manager (one of them the leader).
mn_swarm_nodes() { mn_docker n1 node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}' 2>/dev/null | sort; }
mn_expected_nodes() {
  local node
  for node in "${MN_NODES[@]}"; do printf '%s Ready\n' "$(mn_ns "$node")"; done
}
probe_mn_swarm() {
  local nodes
  nodes=$(mn_swarm_nodes) || return 1
  [[ $(sed -E 's/ (Leader|Reachable)$//' <<<"$nodes") == "$(mn_expected_nodes)" ]] &&
    [[ $(grep -c ' Leader$' <<<"$nodes") == 1 ]]
}

ensure_mn_swarm() {
  local state cluster node
  read -r state cluster <<<"$(mn_swarm_state n1)"
  case $state in
    active) log "swarm: n1 is in swarm $cluster" ;;
    inactive)
      log "swarm: initializing on n1, advertised on $(mn_address n1), address pool $MN_POOL"
      mn_docker n1 swarm init --advertise-addr "$(mn_address n1)" --listen-addr "$(mn_address n1):2377" \
        --default-addr-pool "$MN_POOL" --default-addr-pool-mask-length 24 >/dev/null
      read -r state cluster <<<"$(mn_swarm_state n1)"
      ;;
    *) die "swarm: n1's swarm state is '$state' (a stale swarm? npm run testbed -- down --nodes 3 --purge)" ;;
  esac
  local token=
  for node in "${MN_NODES[@]:1}"; do
    local node_state node_cluster
    read -r node_state node_cluster <<<"$(mn_swarm_state "$node")"
    case $node_state in
      active)
        [[ $node_cluster == "$cluster" ]] ||
          die "swarm: $node is in another swarm ($node_cluster, n1: $cluster); npm run testbed -- down --nodes 3 --purge"
        log "swarm: $node is a member"
        ;;
      inactive)
        [[ -n $token ]] || token=$(mn_docker n1 swarm join-token -q manager)
        log "swarm: $node joins as a manager, advertised on $(mn_address "$node")"
        mn_docker "$node" swarm join --token "$token" --advertise-addr "$(mn_address "$node")" \
          --listen-addr "$(mn_address "$node"):2377" "$(mn_address n1):2377" >/dev/null
        ;;
      *) die "swarm: $node's swarm state is '$node_state' (npm run testbed -- down --nodes 3 --purge)" ;;
    esac
  done
  # After a restart of all three (down, then up) the managers elect a leader and report Ready again.
  if ! wait_until 60 probe_mn_swarm; then
    mn_swarm_nodes >&2 || true
    die "swarm: not three Ready managers with one leader after 60s (npm run testbed -- down --nodes 3 --purge starts over)"
  fi
  log "swarm: three managers ready ($(mn_docker n1 node ls --format '{{.Hostname}}{{if .ManagerStatus}}={{.ManagerStatus}}{{end}}' | paste -sd ' '))"
}

# ---------------------------------------------------------------------------------------------
# The overlay network, seen by every manager

probe_mn_network() {
  local node
  for node in "${MN_NODES[@]}"; do
    [[ $(mn_docker "$node" network inspect --format '{{.Driver}} {{.Attachable}} {{.Scope}}' "$NETWORK" 2>/dev/null) == \
      "overlay true swarm" ]] || return 1
  done
}

ensure_mn_network() {
  if probe_mn_network; then
    log "network: $NETWORK spans the three nodes"
    return
  fi
  if ! mn_docker n1 network inspect "$NETWORK" >/dev/null 2>&1; then
    log "network: creating the attachable overlay network $NETWORK"
    mn_docker n1 network create --driver overlay --attachable --label "$TESTBED_LABEL" "$NETWORK" >/dev/null
  fi
  # The other managers learn of it through the swarm's Raft log, within a moment.
  wait_until 30 probe_mn_network || die "network: $NETWORK is not an attachable overlay on every node"
  log "network: $NETWORK spans the three nodes"
}

# ---------------------------------------------------------------------------------------------
# One tunnel per node (the one-node bed's ensure_tunnel_at, in the node's Engine)

probe_mn_tunnel() { probe_tunnel_at "$(mn_tunnel "$1")" mn_docker "$1"; }
ensure_mn_tunnel() { ensure_tunnel_at "$1: tunnel" "$(mn_tunnel "$1")" mn_docker "$1"; }

# remove_mn_tunnel NODE: removes the node's tunnel container, if its Engine answers.
remove_mn_tunnel() {
  probe_mn_dockerd "$1" && mn_docker "$1" inspect "$TUNNEL_CONTAINER" >/dev/null 2>&1 || return 0
  log "$1: removing the tunnel $TUNNEL_CONTAINER"
  mn_docker "$1" rm -f "$TUNNEL_CONTAINER" >/dev/null
}

# ---------------------------------------------------------------------------------------------
# Node faults, for tests and operators: `testbed.sh node stop|kill|start|isolate|heal|wipe|demote|promote nN`, `node restart-all`

# Isolation: two DROP rules on the node's veth, ahead of the bridge's ACCEPT rule in DOCKER-USER
# (bridged frames pass FORWARD, see probe_mn_rule). Only node-to-node traffic is forwarded; the host
# still reaches the node's Engine (a unix socket) and, through its own stack, the node's addresses.
mn_isolate_comment() { printf 'vault-bootstrap-testbed-3 isolate %s' "$1"; }
# mn_isolate_rule NODE in|out: sets MN_ISOLATE_RULE to that rule (for iptables -C/-I/-D).
mn_isolate_rule() {
  MN_ISOLATE_RULE=(DOCKER-USER -m physdev "--physdev-$2" "$(mn_veth "$1")"
    -m comment --comment "$(mn_isolate_comment "$1")" -j DROP)
}
# probe_mn_isolated NODE: one of the node's isolation rules is in place.
probe_mn_isolated() {
  local way
  for way in in out; do
    mn_isolate_rule "$1" "$way"
    if iptables -C "${MN_ISOLATE_RULE[@]}" 2>/dev/null; then return 0; fi
  done
  return 1
}

isolate_mn_node() {
  local node=$1 way
  for way in in out; do
    mn_isolate_rule "$node" "$way"
    if iptables -C "${MN_ISOLATE_RULE[@]}" 2>/dev/null; then
      log "$node: already cut off ($way): iptables ${MN_ISOLATE_RULE[*]}"
    else
      log "$node: cutting it off from the other nodes: iptables -I ${MN_ISOLATE_RULE[*]}"
      iptables -I "${MN_ISOLATE_RULE[0]}" 1 "${MN_ISOLATE_RULE[@]:1}"
    fi
  done
}

# heal_mn_node NODE: removes the node's isolation rules (every copy), if any.
heal_mn_node() {
  local node=$1 way healed=
  for way in in out; do
    mn_isolate_rule "$node" "$way"
    while iptables -C "${MN_ISOLATE_RULE[@]}" 2>/dev/null; do
      log "$node: iptables -D ${MN_ISOLATE_RULE[*]}"
      iptables -D "${MN_ISOLATE_RULE[@]}"
      healed=1
    done
  done
  [[ -n $healed ]] || log "$node: not cut off, nothing to heal"
}

# A node that is not NODE and whose Engine runs: where demote and promote are asked (a manager with a leader).
mn_other_manager() {
  local node
  for node in "${MN_NODES[@]}"; do
    if [[ $node != "$1" ]] && mn_has_leader "$node"; then
      printf '%s' "$node"
      return
    fi
  done
  die "no other manager with a leader than $1 answers"
}
mn_node_role() { mn_docker "$(mn_other_manager "$1")" node inspect --format '{{.Spec.Role}}' "$(mn_ns "$1")"; }
mn_is_worker() { [[ $(mn_node_role "$1") == worker ]] && ! mn_has_leader "$1"; }

# demote_mn_node NODE: the node stays in the swarm as a worker (no manager API, no Raft vote): a service node
# that is not a manager. The other two keep a quorum of two; `node promote` makes it a manager again.
demote_mn_node() {
  local node=$1 via
  via=$(mn_other_manager "$node")
  log "$node: demoting it to a worker (docker node demote $(mn_ns "$node"), asked of $via)"
  mn_docker "$via" node demote "$(mn_ns "$node")" >/dev/null
  wait_until 60 mn_is_worker "$node" || die "$node: not a worker 60s after the demote"
}

# promote_mn_node NODE: a manager again; waits until the swarm has three Ready managers with one leader.
promote_mn_node() {
  local node=$1 via
  via=$(mn_other_manager "$node")
  log "$node: promoting it to a manager (docker node promote $(mn_ns "$node"), asked of $via)"
  mn_docker "$via" node promote "$(mn_ns "$node")" >/dev/null
  wait_until 120 probe_mn_swarm || die "swarm: not three Ready managers with one leader 120s after the promote"
}

mn_swarm_active() { [[ $(mn_docker "$1" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null) == active ]]; }
mn_has_leader() { mn_docker "$1" node ls -q >/dev/null 2>&1; }

# start_mn_nodes NODE...: starts the nodes' Engines with their state as it was, waits until each answers
# and its swarm is active; once the swarm has a leader, ensures the tunnel of every running node.
start_mn_nodes() {
  local node
  for node in "$@"; do
    probe_mn_link "$node" || die "$node: its namespace or link is missing; run npm run testbed -- up --nodes 3"
  done
  ensure_mn_dockerds "$@"
  local running=0
  for node in "${MN_NODES[@]}"; do
    if mn_dockerd_pid "$node" >/dev/null; then running=$((running + 1)); fi
  done
  if ((running < 2)); then
    # A lone manager of three stays `pending` until a second one runs; that is no failure to start.
    log "$*: no swarm quorum while only one of the three managers runs: its swarm stays pending until" \
      "another starts; the node start that restores the quorum ensures the tunnels"
    return
  fi
  local joined=()
  for node in "$@"; do
    # A wiped node (node wipe: a replacement host) is in no swarm until an operator joins it; an autolocked
    # swarm's manager stays locked until `docker swarm unlock`. Both are said, not waited for.
    local state
    state=$(mn_swarm_state "$node")
    if [[ $state == inactive* && ! -f $MN_STATE/$node/data/swarm/state.json ]]; then
      log "$node: in no swarm (a new host): join it, e.g. docker -H $(mn_host "$node") swarm join --token" \
        "<manager token> --advertise-addr $(mn_address "$node") $(mn_address n1):2377"
      continue
    fi
    if [[ $state == locked* ]]; then
      log "$node: its swarm is autolocked: docker -H $(mn_host "$node") swarm unlock (with the unlock key)"
      continue
    fi
    wait_until 60 mn_swarm_active "$node" ||
      die "$node: its swarm is not active 60s after dockerd started (state: $(mn_swarm_state "$node"))"
    log "$node: swarm active"
    joined+=("$node")
  done
  ((${#joined[@]} > 0)) || return 0
  wait_until 60 mn_has_leader "${joined[0]}" || die "swarm: no leader 60s after $* started, with $running managers running"
  for node in "${MN_NODES[@]}"; do
    if probe_mn_dockerd "$node"; then ensure_mn_tunnel "$node"; fi
  done
}

mn_node_usage() { die "usage: bash testbed/testbed.sh node stop|kill|start|isolate|heal|wipe|demote|promote n1|n2|n3 | node restart-all"; }

# wipe_mn_node NODE: the node becomes a host that never joined the swarm: its Engine stopped (if it runs) and
# its swarm and network state removed. Its images stay, and so do its containers and volumes, which other
# stacks' tasks may be using: remove a stack's with docker once it starts, for an empty replacement volume
# (docs/runbooks.md, "A lost node").
wipe_mn_node() {
  local node=$1 data=$MN_STATE/$1/data
  if mn_dockerd_pid "$node" >/dev/null; then stop_mn_dockerd "$node"; fi
  rm -rf "$data/swarm" "$data/network"
  log "$node: wiped (no swarm, no networks; images, containers and volumes kept): start it, then join it"
}

# mn_node ACTION [NODE]: one fault or repair; prints what it did and how long it took.
mn_node() {
  local action=${1:-} node=${2:-} started_ms
  case $action in
    stop | kill | start | isolate | heal | wipe | demote | promote)
      (($# == 2)) || mn_node_usage
      [[ " ${MN_NODES[*]} " == *" $node "* ]] || die "node $action: '$node' is not one of ${MN_NODES[*]}"
      ;;
    restart-all) (($# == 1)) || mn_node_usage ;;
    *) mn_node_usage ;;
  esac
  mn_require_root
  started_ms=$(date +%s%3N)
  case $action in
    stop) stop_mn_dockerd "$node" ;;
    kill) kill_mn_dockerd "$node" ;;
    start) start_mn_nodes "$node" ;;
    wipe) wipe_mn_node "$node" ;;
    isolate) isolate_mn_node "$node" ;;
    demote) demote_mn_node "$node" ;;
    promote) promote_mn_node "$node" ;;
    heal)
      heal_mn_node "$node"
      # The node rejoins at a higher Raft term (it kept calling elections alone), which makes the leader
      # step down: the swarm has no leader for a while. Wait for it to be whole, when all three run.
      # (By pid: `docker info` on a manager without a leader takes 20s to answer.)
      if mn_dockerd_pid n1 >/dev/null && mn_dockerd_pid n2 >/dev/null && mn_dockerd_pid n3 >/dev/null; then
        local healing_ms
        healing_ms=$(date +%s%3N)
        wait_until 120 probe_mn_swarm || die "swarm: not three Ready managers with one leader 120s after the heal"
        log "swarm: three managers ready again after $(mn_since "$healing_ms")"
      fi
      ;;
    restart-all)
      # At once, as a power cut would; then all three at once, as the power coming back.
      local each
      for each in "${MN_NODES[@]}"; do kill_mn_dockerd "$each" & done
      wait
      log "node restart-all: the three Engines killed in $(mn_since "$started_ms")"
      start_mn_nodes "${MN_NODES[@]}"
      wait_until 60 probe_mn_swarm || die "swarm: not three Ready managers with one leader 60s after the restart"
      log "swarm: three managers ready ($(mn_docker n1 node ls --format '{{.Hostname}}{{if .ManagerStatus}}={{.ManagerStatus}}{{end}}' | paste -sd ' '))"
      ;;
  esac
  log "node $action${node:+ $node}: done in $(mn_since "$started_ms")"
}

# ---------------------------------------------------------------------------------------------
# Commands

# mn_since START_MS: the seconds since START_MS (from date +%s%3N), e.g. 1.4s.
mn_since() {
  local ms=$(($(date +%s%3N) - $1))
  printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100))
}

mn_write_env() {
  cat >"$MN_ENV_FILE.tmp" <<EOF
# Written by testbed/testbed.sh up --nodes 3, removed by down --nodes 3; sourceable, KEY=value lines.
# The three-node bed's own file: testbed.env stays the one-node bed's (its up rewrites it whole).
TESTBED_CACHE=$CACHE
TEMPORAL_ADDRESS=$TEMPORAL_IP:$TEMPORAL_PORT
TEMPORAL_UI_URL=http://$TEMPORAL_IP:$TEMPORAL_UI_PORT
TEMPORAL_TEST_SERVER=$CACHE/bin/temporal-test-server
TEMPORAL_NODE_ADDRESS=$(mn_temporal_address)
TEMPORAL_CLUSTER_NODE_ADDRESS=$(mn_cluster_address)
VAULT_IMAGE=$VAULT_IMAGE
VAULT_PREVIOUS_IMAGE=$VAULT_PREVIOUS_IMAGE
VAULT_CERT_DIR=$CERT_DIR
TESTBED_NODE_HOSTS=$(mn_csv mn_host)
TESTBED_NODE_NAMES=$(mn_csv mn_ns)
TESTBED_NODE_ADDRESSES=$(mn_csv mn_address)
TESTBED_NODE_TUNNELS=$(mn_csv mn_tunnel)
EOF
  mv -f "$MN_ENV_FILE.tmp" "$MN_ENV_FILE"
  log "wrote $MN_ENV_FILE"
}

mn_require_root() { ((EUID == 0)) || die "the three-node bed makes namespaces, links and iptables rules: run it as root"; }

mn_up() {
  local started_ms
  started_ms=$(date +%s%3N)
  [[ $CACHE != *[[:space:]]* ]] || die "the cache path '$CACHE' contains whitespace; set VAULT_BOOTSTRAP_CACHE"
  mn_require_root
  mkdir -p "$CACHE/logs" "$MN_STATE"
  # The host's parts, shared with the one-node bed: its dockerd builds the images the nodes load.
  ensure_host_packages
  ensure_dockerd
  ensure_binaries
  ensure_image vault "$VAULT_IMAGE" "$(vault_image_hash)" prepare_vault_context
  ensure_image vault-previous "$VAULT_PREVIOUS_IMAGE" "$(vault_previous_image_hash)" prepare_vault_previous_context
  ensure_image tunnel "$TUNNEL_IMAGE" "$(tunnel_image_hash)" prepare_tunnel_context
  ensure_certs
  ensure_temporal
  # The nodes.
  ensure_mn_bridge
  local node
  for node in "${MN_NODES[@]}"; do ensure_mn_link "$node"; done
  ensure_mn_dockerds
  ensure_mn_images
  ensure_mn_swarm
  ensure_mn_network
  for node in "${MN_NODES[@]}"; do ensure_mn_tunnel "$node"; done
  ensure_mn_temporal_forward
  if [[ ${TEMPORAL_MODE:-dev} == cluster ]]; then
    bash "$TESTBED_DIR/temporal-cluster.sh" up
    ensure_mn_cluster_forward
  fi
  mn_write_env
  log "up --nodes 3 in $(mn_since "$started_ms"); e.g. docker -H $(mn_host n1) node ls"
}

# mn_status_line NAME PROBE...: one line per component; returns the probe's outcome.
mn_status_line() {
  local name=$1
  shift
  if "$@"; then
    printf '%-12s OK\n' "$name"
  else
    printf '%-12s MISSING\n' "$name"
    return 1
  fi
}

mn_status() {
  local status=0 node
  mn_status_line host-dockerd probe_dockerd || status=1
  mn_status_line images probe_images || status=1
  mn_status_line certs probe_certs || status=1
  mn_status_line temporal probe_temporal || status=1
  mn_status_line bridge probe_mn_bridge || status=1
  for node in "${MN_NODES[@]}"; do
    mn_status_line "$node-link" probe_mn_link "$node" || status=1
    mn_status_line "$node-dockerd" probe_mn_dockerd "$node" || status=1
    mn_status_line "$node-socket" mn_socket_bound "$node" || status=1
  done
  mn_status_line node-images probe_mn_images || status=1
  mn_status_line swarm probe_mn_swarm || status=1
  mn_status_line network probe_mn_network || status=1
  mn_status_line temporal-relay probe_mn_temporal_forward || status=1
  for node in "${MN_NODES[@]}"; do
    mn_status_line "$node-tunnel" probe_mn_tunnel "$node" || status=1
  done
  # A fault a test or an operator left in place (not a missing part: status stays as it is).
  for node in "${MN_NODES[@]}"; do
    if probe_mn_isolated "$node"; then printf '%-12s ISOLATED (node heal %s lifts it)\n' "$node-net" "$node"; fi
    if probe_mn_dockerd "$node" && [[ $(mn_node_role "$node" 2>/dev/null) == worker ]]; then
      printf '%-12s WORKER (node promote %s makes it a manager again)\n' "$node-role" "$node"
    fi
  done
  return "$status"
}

mn_down() {
  local purge=${1:-}
  [[ -z $purge || $purge == --purge ]] || die "usage: testbed.sh down --nodes 3 [--purge]"
  mn_require_root
  local node ns
  # The tunnels have a restart policy: removed here, or the next up would find them started.
  for node in "${MN_NODES[@]}"; do remove_mn_tunnel "$node"; done
  stop_mn_temporal_forward
  # All three at once: stopped one by one, the last manager would wait for a lost quorum.
  for node in "${MN_NODES[@]}"; do stop_mn_dockerd "$node" & done
  wait
  for node in "${MN_NODES[@]}"; do
    ns=$(mn_ns "$node")
    if ip link show "$(mn_veth "$node")" >/dev/null 2>&1; then
      log "$node: removing the veth $(mn_veth "$node")"
      ip link del "$(mn_veth "$node")"
    fi
    if [[ -e /run/netns/$ns ]]; then
      log "$node: removing the network namespace $ns"
      ip netns del "$ns"
    fi
  done
  if ip link show "$MN_BRIDGE" >/dev/null 2>&1; then
    log "bridge: removing $MN_BRIDGE"
    ip link del "$MN_BRIDGE"
  fi
  while probe_mn_rule; do
    log "bridge: removing the FORWARD rule"
    iptables -D "${MN_RULE[@]}"
  done
  for node in "${MN_NODES[@]}"; do
    if probe_mn_isolated "$node"; then heal_mn_node "$node"; fi
  done
  rm -f "$MN_ENV_FILE"
  if [[ -z $purge ]]; then
    log "down --nodes 3: kept $MN_STATE (the nodes' images, volumes and swarm: the next up restarts them;" \
      "--purge removes it), the host's dockerd, images and Temporal dev server"
    return
  fi
  if awk -v p="$MN_STATE/" 'index($5, p) == 1 {found=1} END {exit !found}' /proc/self/mountinfo; then
    die "purge: something is still mounted under $MN_STATE; not removing it"
  fi
  log "purge: removing $MN_STATE (the nodes' images, volumes and swarm)"
  rm -rf "$MN_STATE"
  log "down --nodes 3 --purge: kept the host's dockerd, images and Temporal dev server"
}
