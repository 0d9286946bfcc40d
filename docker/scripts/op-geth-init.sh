#!/bin/sh
# op-geth-init: writes the genesis into an empty data volume with the state scheme the gc mode needs (archive
# keeps every historical state, which only the hash scheme stores), and refuses to run a data folder made with
# the other scheme. Environment: OP_GETH_GCMODE (full | archive). Mounts: /data, /network (genesis.json).
set -eu
data=${OP_GETH_DATA_DIR:-/data}
scheme=path
[ "${OP_GETH_GCMODE:-full}" = archive ] && scheme=hash
if [ -d "$data/geth/chaindata" ]; then
  made=$(cat "$data/state-scheme" 2>/dev/null || true)
  if [ -n "$made" ] && [ "$made" != "$scheme" ]; then
    echo "op-geth-init: the data volume was initialised with the $made state scheme, but OP_GETH_GCMODE=${OP_GETH_GCMODE:-full} needs $scheme: set OP_GETH_GCMODE back, or resync (docker/README.md, op-geth resync)" >&2
    exit 1
  fi
  echo "op-geth-init: chain data present (${made:-unknown} scheme), nothing to do"
  exit 0
fi
geth init --datadir="$data" --state.scheme="$scheme" "${OP_GETH_GENESIS:-/network/genesis.json}"
echo "$scheme" > "$data/state-scheme"
