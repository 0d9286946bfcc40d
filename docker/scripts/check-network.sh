#!/bin/sh
# Checks a network folder (docker/networks/<name>/) before the L2 and olnode services start, and fails fast,
# naming each value still missing and the file to fill it in. Run by compose's network-init service; by hand:
#
#   OP_NODE_SYNCMODE=consensus-layer OP_GETH_GCMODE=full sh docker/scripts/check-network.sh docker/networks/testnet
#
# Usage: check-network.sh <network folder> [<name of that folder in messages>] [<jwt file to create>]
# Environment: OP_NODE_SYNCMODE (consensus-layer | execution-layer), OP_GETH_GCMODE (full | archive).
# POSIX sh and sed only: it runs in the op-node image (busybox) and in the tests (dash).
set -u
dir=${1:?usage: check-network.sh <network folder> [label] [jwt file]}
label=${2:-$dir}
jwt=${3:-}
syncmode=${OP_NODE_SYNCMODE:-consensus-layer}
gcmode=${OP_GETH_GCMODE:-full}
file="$dir/network.env"
errors=0
fail() {
  echo "network check: $*" >&2
  errors=$((errors + 1))
}

if [ ! -f "$file" ]; then
  echo "network check: $label/network.env does not exist: OLNODE_NETWORK in .env must name a folder of docker/networks/ (testnet, mainnet)" >&2
  exit 1
fi
value() { sed -n "s/^$1=//p" "$file" | tail -n 1; }

case $syncmode in
  consensus-layer | execution-layer) ;;
  *) fail "OP_NODE_SYNCMODE=$syncmode in .env: use consensus-layer (derive from L1) or execution-layer (op-geth syncs from peers)" ;;
esac
case $gcmode in
  full | archive) ;;
  *) fail "OP_GETH_GCMODE=$gcmode in .env: use full or archive" ;;
esac

# Every value still REQUIRED (REQUIRED:execution-layer only counts in that sync mode).
for entry in $(sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=\(REQUIRED[a-z:-]*\)[[:space:]]*$/\1=\2/p' "$file"); do
  name=${entry%%=*}
  marker=${entry#*=}
  case $marker in
    REQUIRED) ;;
    REQUIRED:execution-layer) [ "$syncmode" = execution-layer ] || continue ;;
    *) fail "$name=$marker in $label/network.env: write REQUIRED or REQUIRED:execution-layer, or the value" ; continue ;;
  esac
  fail "$name is REQUIRED: set it in $label/network.env (the comment above it says what it is)"
done

# The chain's files, and that they are this network's.
chain_id=$(value OPENLEDGER_L2_CHAIN_ID)
for pair in genesis.json:OPENLEDGER_GENESIS_URL rollup.json:OPENLEDGER_ROLLUP_URL; do
  name=${pair%%:*}
  url=$(value "${pair#*:}")
  if [ ! -f "$dir/$name" ]; then
    case $url in
      "" | REQUIRED*) fail "$label/$name is missing: download it from OpenLedger (set ${pair#*:} in $label/network.env to where it is published)" ;;
      *) fail "$label/$name is missing: curl -fsSL $url -o $label/$name" ;;
    esac
    continue
  fi
  key=chainId
  [ "$name" = rollup.json ] && key=l2_chain_id
  found=$(tr -d ' \n\r\t' < "$dir/$name" | sed -n "s/.*\"$key\":\([0-9]*\).*/\1/p" | head -n 1)
  if [ -n "$chain_id" ] && [ "$found" != "$chain_id" ]; then
    fail "$label/$name is for chain ${found:-unknown} ($key), not OPENLEDGER_L2_CHAIN_ID=$chain_id: it belongs to another network"
  fi
done

if [ "$errors" -gt 0 ]; then
  echo "network check: $errors problem(s) in $label: fix them, then start again (docker compose up -d)" >&2
  exit 1
fi

# The engine API secret op-geth and op-node share: 32 random bytes as hex, made once.
if [ -n "$jwt" ] && [ ! -s "$jwt" ]; then
  umask 077
  od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$jwt.tmp" && mv "$jwt.tmp" "$jwt" || {
    echo "network check: cannot write the engine API secret $jwt" >&2
    exit 1
  }
  echo "network check: made the engine API secret $jwt"
fi
echo "network check: $label is complete (sync $syncmode, gc $gcmode)"
