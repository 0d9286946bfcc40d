#!/bin/sh
# op-geth with the settings of .env and the network folder (docker/networks/<name>/network.env):
# - OP_NODE_SYNCMODE=consensus-layer: op-node derives every block from L1 and hands it over the engine API;
#   op-geth runs full sync with no peers.
# - OP_NODE_SYNCMODE=execution-layer: op-geth syncs from peers (snap; full for an archive node, which must
#   execute every block), found through OP_GETH_BOOTNODES and discovery on its p2p port (OP_GETH_P2P_PORT,
#   published by compose), advertised as OPENLEDGER_P2P_ADVERTISE_IP when set.
# - OP_GETH_GCMODE=archive: hash state scheme (op-geth-init made the database with it).
set -eu
gcmode=${OP_GETH_GCMODE:-full}
scheme=path
[ "$gcmode" = archive ] && scheme=hash
if [ "${OP_NODE_SYNCMODE:-consensus-layer}" = execution-layer ]; then
  syncmode=snap
  [ "$gcmode" = archive ] && syncmode=full
  set -- --port=30303 --discovery.port=30303 --maxpeers="${OP_GETH_MAXPEERS:-50}" --bootnodes="${OP_GETH_BOOTNODES:?}"
  if [ -n "${OPENLEDGER_P2P_ADVERTISE_IP:-}" ]; then set -- "$@" --nat=extip:"$OPENLEDGER_P2P_ADVERTISE_IP"; else set -- "$@" --nat=none; fi
else
  syncmode=full
  set -- --nodiscover --maxpeers=0
fi
exec geth \
  --datadir=/data \
  --syncmode="$syncmode" \
  --gcmode="$gcmode" \
  --state.scheme="$scheme" \
  --http --http.addr=0.0.0.0 --http.port=8545 --http.vhosts='*' \
  --http.api="${OP_GETH_RPC_APIS:-eth,net,web3,txpool}" \
  --ws --ws.addr=0.0.0.0 --ws.port=8546 --ws.origins='*' \
  --ws.api="${OP_GETH_RPC_APIS:-eth,net,web3,txpool}" \
  --authrpc.addr=0.0.0.0 --authrpc.port=8551 --authrpc.vhosts='*' \
  --authrpc.jwtsecret=/jwt/jwt.hex \
  --rollup.sequencerhttp="${OP_GETH_SEQUENCER_HTTP:?}" \
  --rollup.disabletxpoolgossip=true \
  --metrics --metrics.addr=0.0.0.0 --metrics.port=6060 \
  "$@"
