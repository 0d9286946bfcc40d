// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {IAttributionLedger} from "./interfaces/IAttributionLedger.sol";
import {IDatanetRegistry} from "./interfaces/IDatanetRegistry.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";

/// @title AttributionLedger
/// @notice Records inferences with their data attribution and splits the fee paid in native OPEN.
///
///   fee          = (tokensIn * inputRatePer1k + tokensOut * outputRatePer1k) / 1000 + platformFee
///   platformFee  -> treasury
///   the rest     -> developer (developerBps), validators (validatorBps, credited to the validator pool,
///                   i.e. the PointsDistributor) and contributors (the remainder, so bps rounding goes to them)
///   contributor i gets contributorAmount * weight_i / 1e6; the rounding dust of that split goes to the developer.
///
/// Every wei of `fee` is credited to exactly one balance, and balances are pulled with claim().
contract AttributionLedger is IAttributionLedger, Ownable2Step {
    struct FeeSchedule {
        uint128 inputRatePer1k;
        uint128 outputRatePer1k;
        uint128 platformFee;
        uint16 developerBps;
        uint16 validatorBps;
        uint16 contributorBps;
    }

    /// @dev Four slots; when it was recorded and its corpusBlock are in the InferenceRecorded event.
    struct Inference {
        address payer;
        uint64 modelId;
        InferenceStatus status;
        uint128 fee;
        uint64 tokensIn;
        uint64 tokensOut;
        bytes32 outputRoot;
        bytes32 attributionHash;
    }

    uint256 public constant WEIGHT_TOTAL = 1_000_000;
    uint256 public constant BPS_TOTAL = 10_000;
    uint256 public constant MAX_ATTRIBUTION_ENTRIES = 128;
    /// @notice How many blocks back a claim's corpus may lie: 256 blocks (about 8.5 minutes at 2 s) leaves time to
    /// attribute and submit, while no claimant can pick an old corpus that leaves newer contributors out.
    uint256 public constant MAX_CORPUS_AGE = 256;

    IDatanetRegistry public immutable datanetRegistry;
    IModelRegistry public immutable modelRegistry;
    address public treasury;
    address public validatorPool;
    address public epochManager;
    FeeSchedule private _fees;

    uint256 public inferenceCount;
    /// @notice Sum of all unclaimed balances; the contract's OPEN balance always equals it.
    uint256 public totalUnclaimed;
    mapping(uint256 inferenceId => Inference) private _inferences;
    mapping(address account => uint256) public claimable;

    event FeeScheduleUpdated(
        uint128 inputRatePer1k,
        uint128 outputRatePer1k,
        uint128 platformFee,
        uint16 developerBps,
        uint16 validatorBps,
        uint16 contributorBps
    );
    event TreasurySet(address indexed treasury);
    event ValidatorPoolSet(address indexed validatorPool);
    event EpochManagerSet(address indexed epochManager);
    /// @param attributionHash keccak256(abi.encode(contributionIds, weights)): what a re-check recomputes.
    /// @param corpusBlock the attribution was computed against the contributions Accepted at the end of this block
    ///        (in the model's Datanets): the exact corpus a re-check rebuilds.
    /// @param developerAmount the developer's share including the contributor-split rounding dust.
    /// fee == platformFee + developerAmount + validatorAmount + contributorAmount, exactly.
    event InferenceRecorded(
        uint256 indexed inferenceId,
        uint256 indexed modelId,
        address indexed payer,
        address developer,
        bytes32 outputRoot,
        bytes32 attributionHash,
        uint64 corpusBlock,
        uint64 tokensIn,
        uint64 tokensOut,
        uint256 fee,
        uint256 platformFee,
        uint256 developerAmount,
        uint256 validatorAmount,
        uint256 contributorAmount,
        uint256 entryCount
    );
    /// @notice One per attribution entry; `amount` is credited to `contributor`.
    event AttributionRecorded(
        uint256 indexed inferenceId,
        uint256 indexed contributionId,
        address indexed contributor,
        uint256 datanetId,
        uint256 modelId,
        uint256 weight,
        uint256 amount
    );
    /// @param honest true: the re-check agreed with the recorded attribution (Verified); false: Disputed.
    event InferenceOutcome(
        uint256 indexed inferenceId, uint256 indexed modelId, InferenceStatus status, bool honest, uint256 epoch
    );
    event Claimed(address indexed account, address indexed caller, uint256 amount);

    error ZeroAddress();
    error NotEpochManager(address caller);
    error InvalidFeeSplit(uint16 developerBps, uint16 validatorBps, uint16 contributorBps);
    error EmptyAttribution();
    error TooManyEntries(uint256 count, uint256 max);
    error LengthMismatch(uint256 contributionIds, uint256 weights);
    error ContributionIdsNotAscending(uint256 index);
    error ZeroWeight(uint256 index);
    error WeightsDoNotSum(uint256 sum, uint256 expected);
    error InvalidOutputRoot();
    error CorpusBlockNotPast(uint256 corpusBlock, uint256 blockNumber);
    error CorpusBlockTooOld(uint256 corpusBlock, uint256 oldestAllowed);
    error WrongFee(uint256 expected, uint256 paid);
    error FeeTooLarge(uint256 fee);
    error InferenceNotFound(uint256 inferenceId);
    error NothingToClaim(address account);

    constructor(
        address admin,
        IDatanetRegistry datanetRegistry_,
        IModelRegistry modelRegistry_,
        address treasury_,
        FeeSchedule memory fees
    ) Ownable(admin) {
        if (address(datanetRegistry_) == address(0) || address(modelRegistry_) == address(0)) revert ZeroAddress();
        if (treasury_ == address(0)) revert ZeroAddress();
        datanetRegistry = datanetRegistry_;
        modelRegistry = modelRegistry_;
        treasury = treasury_;
        validatorPool = treasury_;
        emit TreasurySet(treasury_);
        emit ValidatorPoolSet(treasury_);
        _setFeeSchedule(fees);
    }

    // ---- admin ----

    function setFeeSchedule(FeeSchedule calldata fees) external onlyOwner {
        _setFeeSchedule(fees);
    }

    function _setFeeSchedule(FeeSchedule memory fees) private {
        if (uint256(fees.developerBps) + fees.validatorBps + fees.contributorBps != BPS_TOTAL) {
            revert InvalidFeeSplit(fees.developerBps, fees.validatorBps, fees.contributorBps);
        }
        _fees = fees;
        emit FeeScheduleUpdated(
            fees.inputRatePer1k,
            fees.outputRatePer1k,
            fees.platformFee,
            fees.developerBps,
            fees.validatorBps,
            fees.contributorBps
        );
    }

    function setTreasury(address treasury_) external onlyOwner {
        if (treasury_ == address(0)) revert ZeroAddress();
        treasury = treasury_;
        emit TreasurySet(treasury_);
    }

    function setValidatorPool(address validatorPool_) external onlyOwner {
        if (validatorPool_ == address(0)) revert ZeroAddress();
        validatorPool = validatorPool_;
        emit ValidatorPoolSet(validatorPool_);
    }

    function setEpochManager(address epochManager_) external onlyOwner {
        if (epochManager_ == address(0)) revert ZeroAddress();
        epochManager = epochManager_;
        emit EpochManagerSet(epochManager_);
    }

    // ---- inferences ----

    /// @notice The exact msg.value recordInference expects for these token counts.
    function quoteFee(uint64 tokensIn, uint64 tokensOut) public view returns (uint256) {
        FeeSchedule memory f = _fees;
        return (uint256(tokensIn) * f.inputRatePer1k + uint256(tokensOut) * f.outputRatePer1k) / 1000 + f.platformFee;
    }

    /// @notice Records an inference and credits every party its share of msg.value (which must equal quoteFee).
    /// @param corpusBlock the block whose end state the attribution was computed against: its Accepted
    ///        contributions of the model's Datanets are the corpus. Strictly before this block, so that nothing in
    ///        the inference's own block (an acceptance before or after it) can change the corpus, and at most
    ///        MAX_CORPUS_AGE blocks back.
    /// @param contributionIds Accepted contributions from the model's Datanets, strictly ascending.
    /// @param weights parts per million, each > 0, summing to exactly 1,000,000.
    function recordInference(
        uint256 modelId,
        bytes32 outputRoot,
        uint64 corpusBlock,
        uint64 tokensIn,
        uint64 tokensOut,
        uint256[] calldata contributionIds,
        uint256[] calldata weights
    ) external payable returns (uint256 inferenceId) {
        if (outputRoot == bytes32(0)) revert InvalidOutputRoot();
        _checkCorpusBlock(corpusBlock);
        _checkAttribution(contributionIds, weights);
        uint256 fee = quoteFee(tokensIn, tokensOut);
        if (msg.value != fee) revert WrongFee(fee, msg.value);
        // Stored as uint128; unreachable with any real balance, but never truncate silently.
        if (fee > type(uint128).max) revert FeeTooLarge(fee);
        inferenceId = ++inferenceCount;
        _inferences[inferenceId] = Inference({
            payer: msg.sender,
            modelId: uint64(modelId),
            status: InferenceStatus.Recorded,
            fee: uint128(fee),
            tokensIn: tokensIn,
            tokensOut: tokensOut,
            outputRoot: outputRoot,
            attributionHash: keccak256(abi.encode(contributionIds, weights))
        });
        _settle(inferenceId, modelId, corpusBlock, fee, contributionIds, weights);
    }

    function _checkCorpusBlock(uint64 corpusBlock) private view {
        if (corpusBlock >= block.number) revert CorpusBlockNotPast(corpusBlock, block.number);
        if (block.number - corpusBlock > MAX_CORPUS_AGE) {
            revert CorpusBlockTooOld(corpusBlock, block.number - MAX_CORPUS_AGE);
        }
    }

    function _checkAttribution(uint256[] calldata contributionIds, uint256[] calldata weights) private pure {
        uint256 n = contributionIds.length;
        if (n == 0) revert EmptyAttribution();
        if (n > MAX_ATTRIBUTION_ENTRIES) revert TooManyEntries(n, MAX_ATTRIBUTION_ENTRIES);
        if (weights.length != n) revert LengthMismatch(n, weights.length);
        uint256 sum;
        uint256 previous;
        for (uint256 i; i < n; ++i) {
            // Ascending ids make duplicates impossible at O(n).
            if (i > 0 && contributionIds[i] <= previous) revert ContributionIdsNotAscending(i);
            previous = contributionIds[i];
            if (weights[i] == 0) revert ZeroWeight(i);
            sum += weights[i];
        }
        if (sum != WEIGHT_TOTAL) revert WeightsDoNotSum(sum, WEIGHT_TOTAL);
    }

    /// @dev The fee's parts before the contributor split; toContributors takes the bps rounding.
    struct Split {
        uint256 platform;
        uint256 toDeveloper;
        uint256 toValidators;
        uint256 toContributors;
        uint256 paidToContributors;
        address developer;
        uint256 inferenceId;
        uint256 modelId;
        uint64 corpusBlock;
        uint256 entryCount;
    }

    /// @dev Credits every share of `fee` and emits the attribution and inference events.
    function _settle(
        uint256 inferenceId,
        uint256 modelId,
        uint64 corpusBlock,
        uint256 fee,
        uint256[] calldata contributionIds,
        uint256[] calldata weights
    ) private {
        Split memory s;
        s.corpusBlock = corpusBlock;
        s.developer = modelRegistry.modelDeveloper(modelId);
        (address[] memory contributors, uint256[] memory datanetIds) =
            datanetRegistry.acceptedContributions(contributionIds);
        modelRegistry.requireTrainedOn(modelId, datanetIds);

        FeeSchedule memory f = _fees;
        s.platform = f.platformFee;
        uint256 tokenCharge = fee - s.platform;
        s.toDeveloper = tokenCharge * f.developerBps / BPS_TOTAL;
        s.toValidators = tokenCharge * f.validatorBps / BPS_TOTAL;
        s.toContributors = tokenCharge - s.toDeveloper - s.toValidators;
        s.inferenceId = inferenceId;
        s.modelId = modelId;
        _creditContributors(s, contributionIds, weights, contributors, datanetIds);
        // The contributor split's rounding dust goes to the developer: no wei is created or lost.
        s.toDeveloper += s.toContributors - s.paidToContributors;
        if (s.platform != 0) claimable[treasury] += s.platform;
        if (s.toDeveloper != 0) claimable[s.developer] += s.toDeveloper;
        if (s.toValidators != 0) claimable[validatorPool] += s.toValidators;
        totalUnclaimed += fee;
        s.entryCount = contributors.length;
        _emitRecorded(s);
    }

    function _creditContributors(
        Split memory s,
        uint256[] calldata contributionIds,
        uint256[] calldata weights,
        address[] memory contributors,
        uint256[] memory datanetIds
    ) private {
        for (uint256 i; i < contributors.length; ++i) {
            uint256 amount = s.toContributors * weights[i] / WEIGHT_TOTAL;
            s.paidToContributors += amount;
            address contributor = contributors[i];
            if (amount != 0) claimable[contributor] += amount;
            emit AttributionRecorded(
                s.inferenceId, contributionIds[i], contributor, datanetIds[i], s.modelId, weights[i], amount
            );
        }
    }

    /// @dev Emits InferenceRecorded. Its fifteen fields do not fit the legacy code generator's stack in an `emit`,
    /// so the data is ABI-encoded in two static halves (their concatenation is the ABI encoding of all twelve) and
    /// logged with the event's topics exactly as `emit` would: decoders see an ordinary InferenceRecorded.
    function _emitRecorded(Split memory s) private {
        Inference storage inf = _inferences[s.inferenceId];
        bytes memory data = bytes.concat(
            abi.encode(s.developer, inf.outputRoot, inf.attributionHash, s.corpusBlock, inf.tokensIn, inf.tokensOut),
            abi.encode(uint256(inf.fee), s.platform, s.toDeveloper, s.toValidators, s.paidToContributors, s.entryCount)
        );
        bytes32 topic0 = InferenceRecorded.selector;
        uint256 inferenceId = s.inferenceId;
        uint256 modelId = s.modelId;
        assembly ("memory-safe") {
            log4(add(data, 32), mload(data), topic0, inferenceId, modelId, caller())
        }
    }

    /// @inheritdoc IAttributionLedger
    function setInferenceOutcome(uint256 inferenceId, bool honest, uint256 epoch) external returns (bool applied) {
        if (msg.sender != epochManager) revert NotEpochManager(msg.sender);
        Inference storage inf = _inferences[inferenceId];
        if (inf.status == InferenceStatus.None) revert InferenceNotFound(inferenceId);
        if (inf.status != InferenceStatus.Recorded) return false;
        InferenceStatus status = honest ? InferenceStatus.Verified : InferenceStatus.Disputed;
        inf.status = status;
        emit InferenceOutcome(inferenceId, inf.modelId, status, honest, epoch);
        return true;
    }

    // ---- payouts ----

    /// @notice Pays the caller everything credited to it.
    function claim() external returns (uint256 amount) {
        return _claim(msg.sender);
    }

    /// @notice Pays `account` what is credited to it (anyone may trigger it; the money only goes to `account`).
    function claimFor(address account) external returns (uint256 amount) {
        return _claim(account);
    }

    function _claim(address account) private returns (uint256 amount) {
        amount = claimable[account];
        if (amount == 0) revert NothingToClaim(account);
        claimable[account] = 0;
        totalUnclaimed -= amount;
        emit Claimed(account, msg.sender, amount);
        Address.sendValue(payable(account), amount);
    }

    // ---- views ----

    function feeSchedule() external view returns (FeeSchedule memory) {
        return _fees;
    }

    function getInference(uint256 inferenceId) external view returns (Inference memory) {
        Inference memory inf = _inferences[inferenceId];
        if (inf.status == InferenceStatus.None) revert InferenceNotFound(inferenceId);
        return inf;
    }

    function inferenceStatus(uint256 inferenceId) external view returns (InferenceStatus) {
        return _inferences[inferenceId].status;
    }

    /// @inheritdoc IAttributionLedger
    function inferenceSubject(uint256 inferenceId) external view returns (InferenceStatus status, address payer) {
        Inference storage inf = _inferences[inferenceId];
        return (inf.status, inf.payer);
    }
}
