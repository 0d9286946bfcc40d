// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice What the other protocol contracts need from DatanetRegistry.
interface IDatanetRegistry {
    enum ContributionStatus {
        None,
        Pending,
        Accepted,
        Rejected
    }

    function datanetExists(uint256 datanetId) external view returns (bool);

    function contributionStatus(uint256 contributionId) external view returns (ContributionStatus);

    /// @notice Status and contributor in one call (None and address(0) for an unknown id).
    function contributionSubject(uint256 contributionId)
        external
        view
        returns (ContributionStatus status, address contributor);

    /// @notice Contributor and Datanet of each contribution; reverts unless every one is Accepted.
    function acceptedContributions(uint256[] calldata contributionIds)
        external
        view
        returns (address[] memory contributors, uint256[] memory datanetIds);

    /// @notice Quorum outcome from the EpochManager; a no-op (returns false) when no longer Pending.
    function finalizeContribution(uint256 contributionId, bool accepted, uint256 epoch) external returns (bool applied);
}
