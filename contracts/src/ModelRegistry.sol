// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IDatanetRegistry} from "./interfaces/IDatanetRegistry.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";

/// @title ModelRegistry
/// @notice Models and LoRA adapters: what they were built from (base model, adapter weights, Datanets) and who
/// is paid the developer share of their inferences.
contract ModelRegistry is IModelRegistry {
    struct Model {
        address developer;
        uint64 registeredAt;
        bytes32 baseModelHash;
        bytes32 adapterHash;
        uint256[] datanetIds;
        string metadataURI;
    }

    /// @notice Bounds the gas of attribution checks, which scan a model's Datanets.
    uint256 public constant MAX_DATANETS_PER_MODEL = 32;

    IDatanetRegistry public immutable datanetRegistry;
    uint256 public modelCount;

    mapping(uint256 modelId => Model) private _models;

    /// @param adapterHash zero for a full model, the LoRA adapter's weights hash otherwise.
    event ModelRegistered(
        uint256 indexed modelId,
        address indexed developer,
        bytes32 baseModelHash,
        bytes32 adapterHash,
        uint256[] datanetIds,
        string metadataURI
    );
    event ModelMetadataUpdated(uint256 indexed modelId, address indexed developer, string metadataURI);
    event ModelDeveloperTransferred(uint256 indexed modelId, address indexed previousDeveloper, address indexed newDeveloper);

    error ZeroAddress();
    error ModelNotFound(uint256 modelId);
    error NotModelDeveloper(uint256 modelId, address caller);
    error InvalidBaseModelHash();
    error InvalidDatanetCount(uint256 count, uint256 max);
    error DatanetNotFound(uint256 datanetId);
    error DuplicateDatanet(uint256 datanetId);
    error DatanetNotInModel(uint256 modelId, uint256 datanetId);

    constructor(IDatanetRegistry datanetRegistry_) {
        if (address(datanetRegistry_) == address(0)) revert ZeroAddress();
        datanetRegistry = datanetRegistry_;
    }

    /// @notice Registers a model developed by the caller.
    /// @param datanetIds the Datanets it was trained on (1..32, distinct); attributions may only cite these.
    function registerModel(
        bytes32 baseModelHash,
        bytes32 adapterHash,
        uint256[] calldata datanetIds,
        string calldata metadataURI
    ) external returns (uint256 modelId) {
        if (baseModelHash == bytes32(0)) revert InvalidBaseModelHash();
        uint256 n = datanetIds.length;
        if (n == 0 || n > MAX_DATANETS_PER_MODEL) revert InvalidDatanetCount(n, MAX_DATANETS_PER_MODEL);
        for (uint256 i; i < n; ++i) {
            uint256 id = datanetIds[i];
            if (!datanetRegistry.datanetExists(id)) revert DatanetNotFound(id);
            for (uint256 j; j < i; ++j) {
                if (datanetIds[j] == id) revert DuplicateDatanet(id);
            }
        }
        modelId = ++modelCount;
        Model storage m = _models[modelId];
        m.developer = msg.sender;
        m.registeredAt = uint64(block.timestamp);
        m.baseModelHash = baseModelHash;
        m.adapterHash = adapterHash;
        m.datanetIds = datanetIds;
        m.metadataURI = metadataURI;
        emit ModelRegistered(modelId, msg.sender, baseModelHash, adapterHash, datanetIds, metadataURI);
    }

    function setModelMetadataURI(uint256 modelId, string calldata metadataURI) external {
        _requireDeveloper(modelId);
        _models[modelId].metadataURI = metadataURI;
        emit ModelMetadataUpdated(modelId, msg.sender, metadataURI);
    }

    /// @notice Hands the model (and its future developer share) to another address.
    function transferModel(uint256 modelId, address newDeveloper) external {
        _requireDeveloper(modelId);
        if (newDeveloper == address(0)) revert ZeroAddress();
        _models[modelId].developer = newDeveloper;
        emit ModelDeveloperTransferred(modelId, msg.sender, newDeveloper);
    }

    function _requireDeveloper(uint256 modelId) private view {
        address developer = _models[modelId].developer;
        if (developer == address(0)) revert ModelNotFound(modelId);
        if (developer != msg.sender) revert NotModelDeveloper(modelId, msg.sender);
    }

    // ---- views ----

    function getModel(uint256 modelId) external view returns (Model memory) {
        Model memory m = _models[modelId];
        if (m.developer == address(0)) revert ModelNotFound(modelId);
        return m;
    }

    /// @inheritdoc IModelRegistry
    function modelDeveloper(uint256 modelId) external view returns (address developer) {
        developer = _models[modelId].developer;
        if (developer == address(0)) revert ModelNotFound(modelId);
    }

    /// @inheritdoc IModelRegistry
    function requireTrainedOn(uint256 modelId, uint256[] calldata datanetIds) external view {
        uint256[] storage own = _models[modelId].datanetIds;
        uint256 m = own.length;
        if (m == 0) revert ModelNotFound(modelId);
        // Loaded once: an attribution cites many contributions but a model has few Datanets.
        uint256[] memory ownIds = own;
        for (uint256 i; i < datanetIds.length; ++i) {
            uint256 id = datanetIds[i];
            bool found;
            for (uint256 j; j < m; ++j) {
                if (ownIds[j] == id) {
                    found = true;
                    break;
                }
            }
            if (!found) revert DatanetNotInModel(modelId, id);
        }
    }
}
