// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice What the AttributionLedger needs from ModelRegistry.
interface IModelRegistry {
    /// @notice The model's developer (who is paid its share); reverts for an unknown model.
    function modelDeveloper(uint256 modelId) external view returns (address);

    /// @notice Reverts unless the model was trained on every Datanet in `datanetIds`.
    function requireTrainedOn(uint256 modelId, uint256[] calldata datanetIds) external view;
}
