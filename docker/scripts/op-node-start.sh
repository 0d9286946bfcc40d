#!/bin/sh
# op-node with the settings of .env and the network folder (docker/networks/<name>/network.env), which op-node
# reads as OP_NODE_* environment variables: alt-DA through eigenda-proxy, bootnodes, sync mode. Here: the static
# peers (the network's and the operator's own, OP_NODE_STATIC_PEERS) and the advertised IP
# (OPENLEDGER_P2P_ADVERTISE_IP); empty OP_NODE_* variables are dropped, as op-node reads "" as a value.
set -eu
static=""
for peers in "${OPENLEDGER_OP_NODE_STATIC_PEERS:-}" "${OP_NODE_STATIC_PEERS:-}"; do
  [ -n "$peers" ] && static="${static:+$static,}$peers"
done
export OP_NODE_P2P_STATIC="$static"
export OP_NODE_P2P_ADVERTISE_IP="${OPENLEDGER_P2P_ADVERTISE_IP:-}"
for name in $(env | sed -n 's/^\(OP_NODE_[A-Z0-9_]*\)=$/\1/p'); do unset "$name"; done
exec op-node "$@"
