// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title L1BlockStub
/// @notice Test and devnet only: a stand-in for the OP Stack L1Block predeploy on a chain that lacks it (anvil
/// has no predeploys). Same storage layout as the real one for what EpochManager reads: slot 0 holds
/// `number` (low 64 bits) and `timestamp`, slot 1 `basefee`, slot 2 `hash`. Nobody can write it through a
/// call; a test moves "L1" on with anvil_setStorageAt, as the depositor's system transaction would.
contract L1BlockStub {
    uint64 public number;
    uint64 public timestamp;
    uint256 public basefee;
    bytes32 public hash;
}
