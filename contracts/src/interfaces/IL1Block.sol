// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice The slice of the OP Stack L1Block predeploy (0x4200000000000000000000000000000000000015) that
/// EpochManager reads: the L1 origin of the current L2 block, set by the sequencer's first (deposit)
/// transaction of each L2 block from L1 itself.
interface IL1Block {
    function number() external view returns (uint64);
    function hash() external view returns (bytes32);
}
