// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice What the EpochManager needs from AttributionLedger.
interface IAttributionLedger {
    enum InferenceStatus {
        None,
        Recorded,
        Verified,
        Disputed
    }

    function inferenceStatus(uint256 inferenceId) external view returns (InferenceStatus);

    /// @notice Status and payer in one call (None and address(0) for an unknown id).
    function inferenceSubject(uint256 inferenceId) external view returns (InferenceStatus status, address payer);

    /// @notice Re-check outcome from the EpochManager; a no-op (returns false) when no longer Recorded.
    function setInferenceOutcome(uint256 inferenceId, bool honest, uint256 epoch) external returns (bool applied);
}
