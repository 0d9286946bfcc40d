// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

interface IPointsRoots {
    function pointsRootOf(uint256 epoch) external view returns (bytes32);
}

/// @title PointsDistributor
/// @notice Pays each worker's epoch points in native OPEN against the epoch's points root on the EpochManager:
/// the root the workers' quorum voted (EpochManager.attestPointsRoot), never one taken on trust; until one
/// reached quorum pointsRootOf is zero and every claim is refused (EpochNotClosed). Leaf (OpenZeppelin standard tree, sorted-pair hashing; contracts/merkle/pointsTree.ts):
///   keccak256(bytes.concat(keccak256(abi.encode(epoch, account, points))))
/// Each (epoch, account) is paid once, points * weiPerPoint at the rate in force when claimed. It is funded
/// by plain transfers (the devnet deploy) and by the validators' share of inference fees (AttributionLedger).
contract PointsDistributor is Ownable2Step {
    IPointsRoots public immutable epochManager;
    uint256 public weiPerPoint;
    uint256 public totalPaid;

    mapping(uint256 epoch => mapping(address account => bool)) public claimed;

    event Funded(address indexed from, uint256 amount);
    event RewardRateUpdated(uint256 weiPerPoint);
    event PointsClaimed(
        uint256 indexed epoch, address indexed account, uint256 points, uint256 amount, address indexed caller
    );

    error ZeroAddress();
    error EpochNotClosed(uint256 epoch);
    error AlreadyClaimed(uint256 epoch, address account);
    error InvalidProof(uint256 epoch, address account, uint256 points);
    error InsufficientFunds(uint256 required, uint256 available);
    error NothingToClaim(uint256 epoch, address account);

    constructor(address admin, IPointsRoots epochManager_, uint256 weiPerPoint_) Ownable(admin) {
        if (address(epochManager_) == address(0)) revert ZeroAddress();
        epochManager = epochManager_;
        weiPerPoint = weiPerPoint_;
        emit RewardRateUpdated(weiPerPoint_);
    }

    receive() external payable {
        emit Funded(msg.sender, msg.value);
    }

    function setWeiPerPoint(uint256 weiPerPoint_) external onlyOwner {
        weiPerPoint = weiPerPoint_;
        emit RewardRateUpdated(weiPerPoint_);
    }

    /// @notice Pays `account` its points for `epoch` (anyone may submit; the money only goes to `account`).
    function claim(uint256 epoch, address account, uint256 points, bytes32[] calldata proof)
        external
        returns (uint256 amount)
    {
        bytes32 root = epochManager.pointsRootOf(epoch);
        if (root == bytes32(0)) revert EpochNotClosed(epoch);
        if (claimed[epoch][account]) revert AlreadyClaimed(epoch, account);
        if (points == 0) revert NothingToClaim(epoch, account);
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(epoch, account, points))));
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert InvalidProof(epoch, account, points);
        amount = points * weiPerPoint;
        if (amount > address(this).balance) revert InsufficientFunds(amount, address(this).balance);
        claimed[epoch][account] = true;
        totalPaid += amount;
        emit PointsClaimed(epoch, account, points, amount, msg.sender);
        Address.sendValue(payable(account), amount);
    }
}
