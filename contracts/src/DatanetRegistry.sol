// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IDatanetRegistry} from "./interfaces/IDatanetRegistry.sol";

/// @title DatanetRegistry
/// @notice Datanets (curated datasets) and the contributions committed to them. A contribution commits to its
/// bytes by `dataRoot` (contracts/merkle/chunkTree.ts); the bytes travel over p2p. Contributions start Pending
/// and end Accepted or Rejected by validator quorum (EpochManager), or by the Datanet owner's override.
/// @dev Contribution license and metadata URI live only in events: nothing on-chain reads them.
contract DatanetRegistry is IDatanetRegistry, Ownable2Step {
    struct Datanet {
        address owner;
        uint32 maxChunkBytes;
        uint32 maxContributionsPerDay;
        uint64 maxBytesPerDay;
        uint64 createdAt;
        string name;
        string metadataURI;
        string format;
    }

    struct Contribution {
        address contributor;
        uint40 submittedAt;
        ContributionStatus status;
        uint32 chunkCount;
        uint64 datanetId;
        uint64 byteSize;
        bytes32 dataRoot;
    }

    /// @dev One slot per (Datanet, contributor): overwritten when the day changes, so old days cost nothing.
    struct DailyUsage {
        uint64 day;
        uint64 bytesUsed;
        uint32 contributions;
    }

    /// @notice OpenLedger's published limits: 10 MiB and 20 contributions per contributor per day.
    uint64 public constant DEFAULT_MAX_BYTES_PER_DAY = 10 * 1024 * 1024;
    uint32 public constant DEFAULT_MAX_CONTRIBUTIONS_PER_DAY = 20;
    /// @notice Upper bound on a Datanet's chunk size (p2p messages must stay small).
    uint32 public constant MAX_CHUNK_BYTES_LIMIT = 4 * 1024 * 1024;

    address public epochManager;
    uint256 public datanetCount;
    uint256 public contributionCount;

    mapping(uint256 datanetId => Datanet) private _datanets;
    mapping(uint256 contributionId => Contribution) private _contributions;
    mapping(bytes32 dataRoot => uint256 contributionId) public contributionIdByRoot;
    mapping(uint256 datanetId => mapping(address contributor => DailyUsage)) private _dailyUsage;

    event EpochManagerSet(address indexed epochManager);
    event DatanetCreated(
        uint256 indexed datanetId,
        address indexed owner,
        string name,
        string metadataURI,
        string format,
        uint32 maxChunkBytes,
        uint64 maxBytesPerDay,
        uint32 maxContributionsPerDay
    );
    event DatanetLimitsUpdated(
        uint256 indexed datanetId, address indexed owner, uint64 maxBytesPerDay, uint32 maxContributionsPerDay
    );
    event DatanetMetadataUpdated(uint256 indexed datanetId, address indexed owner, string metadataURI);
    event DatanetOwnershipTransferred(uint256 indexed datanetId, address indexed previousOwner, address indexed newOwner);
    /// @param day block.timestamp / 86400, the day the limits were counted in.
    /// @param dayBytesUsed the contributor's bytes in this Datanet on `day`, this contribution included.
    /// @param dayContributions the contributor's contributions in this Datanet on `day`, this one included.
    event ContributionSubmitted(
        uint256 indexed contributionId,
        uint256 indexed datanetId,
        address indexed contributor,
        bytes32 dataRoot,
        uint64 byteSize,
        uint32 chunkCount,
        string license,
        string metadataURI,
        uint64 day,
        uint64 dayBytesUsed,
        uint32 dayContributions
    );
    /// @param byOwner true for the Datanet owner's override, false for a validator quorum.
    /// @param epoch the epoch whose quorum decided (0 for an owner override).
    event ContributionFinalized(
        uint256 indexed contributionId,
        uint256 indexed datanetId,
        address indexed contributor,
        bytes32 dataRoot,
        uint64 byteSize,
        ContributionStatus status,
        ContributionStatus previousStatus,
        bool byOwner,
        uint256 epoch
    );

    error ZeroAddress();
    error NotEpochManager(address caller);
    error DatanetNotFound(uint256 datanetId);
    error NotDatanetOwner(uint256 datanetId, address caller);
    error EmptyName();
    error EmptyFormat();
    error InvalidMaxChunkBytes(uint32 maxChunkBytes, uint32 limit);
    error InvalidDailyLimits(uint64 maxBytesPerDay, uint32 maxContributionsPerDay);
    error InvalidDataRoot();
    error DataRootAlreadyUsed(bytes32 dataRoot, uint256 contributionId);
    error InvalidByteSize(uint64 byteSize);
    error InvalidChunkCount(uint32 chunkCount, uint64 byteSize, uint32 maxChunkBytes);
    error DailyByteLimitExceeded(address contributor, uint64 day, uint64 used, uint64 requested, uint64 limit);
    error DailyContributionLimitExceeded(address contributor, uint64 day, uint32 limit);
    error ContributionNotFound(uint256 contributionId);
    error ContributionNotAccepted(uint256 contributionId, ContributionStatus status);
    error InvalidFinalStatus(ContributionStatus status);
    error StatusUnchanged(uint256 contributionId, ContributionStatus status);

    constructor(address admin) Ownable(admin) {}

    modifier onlyDatanetOwner(uint256 datanetId) {
        address owner_ = _datanets[datanetId].owner;
        if (owner_ == address(0)) revert DatanetNotFound(datanetId);
        if (owner_ != msg.sender) revert NotDatanetOwner(datanetId, msg.sender);
        _;
    }

    /// @notice Wires the EpochManager whose quorum finalizes contributions (protocol admin only).
    function setEpochManager(address epochManager_) external onlyOwner {
        if (epochManager_ == address(0)) revert ZeroAddress();
        epochManager = epochManager_;
        emit EpochManagerSet(epochManager_);
    }

    /// @notice Creates a Datanet owned by the caller, with the default daily limits.
    /// @param format the data format of its contributions, e.g. "text" or "jsonl".
    /// @param maxChunkBytes the largest chunk p2p accepts for it (the chunker's chunk size).
    function createDatanet(string calldata name, string calldata metadataURI, string calldata format, uint32 maxChunkBytes)
        external
        returns (uint256 datanetId)
    {
        if (bytes(name).length == 0) revert EmptyName();
        if (bytes(format).length == 0) revert EmptyFormat();
        if (maxChunkBytes == 0 || maxChunkBytes > MAX_CHUNK_BYTES_LIMIT) {
            revert InvalidMaxChunkBytes(maxChunkBytes, MAX_CHUNK_BYTES_LIMIT);
        }
        datanetId = ++datanetCount;
        _datanets[datanetId] = Datanet({
            owner: msg.sender,
            maxChunkBytes: maxChunkBytes,
            maxContributionsPerDay: DEFAULT_MAX_CONTRIBUTIONS_PER_DAY,
            maxBytesPerDay: DEFAULT_MAX_BYTES_PER_DAY,
            createdAt: uint64(block.timestamp),
            name: name,
            metadataURI: metadataURI,
            format: format
        });
        emit DatanetCreated(
            datanetId,
            msg.sender,
            name,
            metadataURI,
            format,
            maxChunkBytes,
            DEFAULT_MAX_BYTES_PER_DAY,
            DEFAULT_MAX_CONTRIBUTIONS_PER_DAY
        );
    }

    function setDailyLimits(uint256 datanetId, uint64 maxBytesPerDay, uint32 maxContributionsPerDay)
        external
        onlyDatanetOwner(datanetId)
    {
        if (maxBytesPerDay == 0 || maxContributionsPerDay == 0) {
            revert InvalidDailyLimits(maxBytesPerDay, maxContributionsPerDay);
        }
        Datanet storage d = _datanets[datanetId];
        d.maxBytesPerDay = maxBytesPerDay;
        d.maxContributionsPerDay = maxContributionsPerDay;
        emit DatanetLimitsUpdated(datanetId, msg.sender, maxBytesPerDay, maxContributionsPerDay);
    }

    function setDatanetMetadataURI(uint256 datanetId, string calldata metadataURI)
        external
        onlyDatanetOwner(datanetId)
    {
        _datanets[datanetId].metadataURI = metadataURI;
        emit DatanetMetadataUpdated(datanetId, msg.sender, metadataURI);
    }

    function transferDatanetOwnership(uint256 datanetId, address newOwner) external onlyDatanetOwner(datanetId) {
        if (newOwner == address(0)) revert ZeroAddress();
        _datanets[datanetId].owner = newOwner;
        emit DatanetOwnershipTransferred(datanetId, msg.sender, newOwner);
    }

    /// @notice Commits a contribution's chunks to a Datanet; it stays Pending until validators decide.
    /// @param dataRoot the chunk Merkle root (contracts/merkle/chunkTree.ts), unique across all Datanets.
    function contribute(
        uint256 datanetId,
        bytes32 dataRoot,
        uint64 byteSize,
        uint32 chunkCount,
        string calldata license,
        string calldata metadataURI
    ) external returns (uint256 contributionId) {
        Datanet storage d = _datanets[datanetId];
        _checkContribution(d, datanetId, dataRoot, byteSize, chunkCount);
        DailyUsage memory usage = _consumeDailyBudget(d, datanetId, byteSize);
        contributionId = ++contributionCount;
        _contributions[contributionId] = Contribution({
            contributor: msg.sender,
            submittedAt: uint40(block.timestamp),
            status: ContributionStatus.Pending,
            chunkCount: chunkCount,
            datanetId: uint64(datanetId),
            byteSize: byteSize,
            dataRoot: dataRoot
        });
        contributionIdByRoot[dataRoot] = contributionId;
        emit ContributionSubmitted(
            contributionId,
            datanetId,
            msg.sender,
            dataRoot,
            byteSize,
            chunkCount,
            license,
            metadataURI,
            usage.day,
            usage.bytesUsed,
            usage.contributions
        );
    }

    function _checkContribution(
        Datanet storage d,
        uint256 datanetId,
        bytes32 dataRoot,
        uint64 byteSize,
        uint32 chunkCount
    ) private view {
        if (d.owner == address(0)) revert DatanetNotFound(datanetId);
        if (dataRoot == bytes32(0)) revert InvalidDataRoot();
        uint256 existing = contributionIdByRoot[dataRoot];
        if (existing != 0) revert DataRootAlreadyUsed(dataRoot, existing);
        if (byteSize == 0) revert InvalidByteSize(byteSize);
        uint32 maxChunk = d.maxChunkBytes;
        // Every chunk holds at least one byte and at most maxChunkBytes.
        if (chunkCount == 0 || chunkCount > byteSize || uint256(chunkCount) * maxChunk < byteSize) {
            revert InvalidChunkCount(chunkCount, byteSize, maxChunk);
        }
    }

    /// @dev "Day" is block.timestamp / 86400 (UTC days).
    function _consumeDailyBudget(Datanet storage d, uint256 datanetId, uint64 byteSize)
        private
        returns (DailyUsage memory usage)
    {
        uint64 day = uint64(block.timestamp / 1 days);
        usage = _dailyUsage[datanetId][msg.sender];
        if (usage.day != day) usage = DailyUsage({day: day, bytesUsed: 0, contributions: 0});
        if (usage.contributions >= d.maxContributionsPerDay) {
            revert DailyContributionLimitExceeded(msg.sender, day, d.maxContributionsPerDay);
        }
        if (uint256(usage.bytesUsed) + byteSize > d.maxBytesPerDay) {
            revert DailyByteLimitExceeded(msg.sender, day, usage.bytesUsed, byteSize, d.maxBytesPerDay);
        }
        usage.bytesUsed += byteSize;
        usage.contributions += 1;
        _dailyUsage[datanetId][msg.sender] = usage;
    }

    /// @inheritdoc IDatanetRegistry
    function finalizeContribution(uint256 contributionId, bool accepted, uint256 epoch)
        external
        returns (bool applied)
    {
        if (msg.sender != epochManager) revert NotEpochManager(msg.sender);
        Contribution storage c = _contributions[contributionId];
        if (c.status == ContributionStatus.None) revert ContributionNotFound(contributionId);
        // The owner may have overridden it while validators were still voting: the owner's word stands.
        if (c.status != ContributionStatus.Pending) return false;
        _setStatus(contributionId, c, accepted ? ContributionStatus.Accepted : ContributionStatus.Rejected, false, epoch);
        return true;
    }

    /// @notice The Datanet owner's override: sets Accepted or Rejected at any time, before or after quorum.
    function overrideContribution(uint256 contributionId, ContributionStatus status) external {
        Contribution storage c = _contributions[contributionId];
        if (c.status == ContributionStatus.None) revert ContributionNotFound(contributionId);
        address owner_ = _datanets[c.datanetId].owner;
        if (owner_ != msg.sender) revert NotDatanetOwner(c.datanetId, msg.sender);
        if (status != ContributionStatus.Accepted && status != ContributionStatus.Rejected) {
            revert InvalidFinalStatus(status);
        }
        if (c.status == status) revert StatusUnchanged(contributionId, status);
        _setStatus(contributionId, c, status, true, 0);
    }

    function _setStatus(
        uint256 contributionId,
        Contribution storage c,
        ContributionStatus status,
        bool byOwner,
        uint256 epoch
    ) private {
        ContributionStatus previous = c.status;
        c.status = status;
        emit ContributionFinalized(
            contributionId, c.datanetId, c.contributor, c.dataRoot, c.byteSize, status, previous, byOwner, epoch
        );
    }

    // ---- views ----

    function datanetExists(uint256 datanetId) external view returns (bool) {
        return _datanets[datanetId].owner != address(0);
    }

    function getDatanet(uint256 datanetId) external view returns (Datanet memory) {
        Datanet memory d = _datanets[datanetId];
        if (d.owner == address(0)) revert DatanetNotFound(datanetId);
        return d;
    }

    function getContribution(uint256 contributionId) external view returns (Contribution memory) {
        Contribution memory c = _contributions[contributionId];
        if (c.status == ContributionStatus.None) revert ContributionNotFound(contributionId);
        return c;
    }

    function contributionStatus(uint256 contributionId) external view returns (ContributionStatus) {
        return _contributions[contributionId].status;
    }

    /// @inheritdoc IDatanetRegistry
    function contributionSubject(uint256 contributionId)
        external
        view
        returns (ContributionStatus status, address contributor)
    {
        Contribution storage c = _contributions[contributionId];
        return (c.status, c.contributor);
    }

    /// @notice The contributor's usage in a Datanet today (zeros when nothing was contributed today).
    function dailyUsage(uint256 datanetId, address contributor)
        external
        view
        returns (uint64 day, uint64 bytesUsed, uint32 contributions)
    {
        day = uint64(block.timestamp / 1 days);
        DailyUsage memory usage = _dailyUsage[datanetId][contributor];
        if (usage.day == day) return (day, usage.bytesUsed, usage.contributions);
        return (day, 0, 0);
    }

    /// @inheritdoc IDatanetRegistry
    function acceptedContributions(uint256[] calldata contributionIds)
        external
        view
        returns (address[] memory contributors, uint256[] memory datanetIds)
    {
        uint256 n = contributionIds.length;
        contributors = new address[](n);
        datanetIds = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            uint256 id = contributionIds[i];
            Contribution storage c = _contributions[id];
            if (c.status != ContributionStatus.Accepted) revert ContributionNotAccepted(id, c.status);
            contributors[i] = c.contributor;
            datanetIds[i] = c.datanetId;
        }
    }
}
