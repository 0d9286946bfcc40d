// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test-only: a plain OpenZeppelin ERC-20, the gas baseline of test/bench/contracts.bench.ts.
contract TestToken is ERC20 {
    constructor(uint256 supply) ERC20("Test Token", "TEST") {
        _mint(msg.sender, supply);
    }
}
