// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {IAttributionLedger} from "./interfaces/IAttributionLedger.sol";
import {IDatanetRegistry} from "./interfaces/IDatanetRegistry.sol";
import {IL1Block} from "./interfaces/IL1Block.sol";

/// @title EpochManager
/// @notice Testnet epochs, staked workers, assignment, attestations, quorum and points.
///
/// Epochs: epoch e spans blocks [genesisBlock + e*epochLength, genesisBlock + (e+1)*epochLength). The first
/// transaction touching an epoch fixes its seed and snapshots the active worker count; both are emitted in
/// EpochStarted and never change. Anyone may call startEpoch().
///
/// Seed: keccak256(abi.encode(l1Hash, l1Number, e)) from the OP Stack L1Block predeploy (the L1 origin of the
/// block the epoch starts in), never from an L2 block hash: the sequencer makes L2 blocks and could grind
/// their hashes (order, timestamps, its own transactions) until the assignment suits it; an L1 block hash it
/// can only adopt, not choose, and the L1 origin moves on by L1's clock (one L1 block per 12 s), not by who
/// calls when. Within one L1 origin neither the caller nor the moment changes the seed. What remains: a party
/// that could hold back the epoch's first write across an L1 origin change picks between two L1 hashes; every
/// worker starts the epoch in its first block, so only the sequencer (censoring them all) could.
///
/// Votes are accepted only in their own epoch: there is no grace period. A vote for e mined in the first block
/// of e+1 reverts WrongEpoch; senders must not send what cannot land in time (the worker signs an attestation
/// only while the next block is still in its epoch).
///
/// Assignment: worker w validates subject (kind, id) in epoch e iff
///   uint256(keccak256(abi.encode(seed, kind, id, w))) < threshold,  threshold = (2^256-1) / n * k  (n > k)
/// where n is the epoch's active worker snapshot; every worker is assigned when n <= k.
///
/// Quorum: a subject is finalized in epoch e when one verdict gets q = min(quorum, n) votes. Agreeing voters
/// earn agreePoints, dissenters lose dissentPenalty; assigned workers attesting later in the same epoch are
/// scored at once. Votes are per epoch: a subject not finalized in its epoch starts over under the next
/// epoch's seed (other workers), so nothing gets stuck; the Datanet owner's override is the last resort.
/// No-shows are not penalised on-chain (they cannot be enumerated in O(1)); they earn nothing. A worker never
/// attests a subject it has a stake in: its own contribution, or an inference it paid for.
///
/// Heartbeats: one per heartbeatWindowBlocks; credited heartbeatPoints only while the worker's verification
/// work is healthy: it agreed with a quorum in this or the previous epoch and has not dissented more than it
/// agreed in this epoch. Points are per (epoch, worker).
///
/// Points roots: an epoch's points are final once it ended (they only change in their own epoch). Workers
/// active in the current epoch then each rebuild the ended epoch's Merkle root of max(points, 0)
/// (contracts/merkle/pointsTree.ts) from its PointsChanged events and vote it with attestPointsRoot; the first
/// (root, totalPoints) to get q = min(quorum, n) votes (n, quorum: the current epoch's snapshot) closes the epoch,
/// and only that root is ever returned by pointsRootOf, which the PointsDistributor pays against. Nobody posts
/// a root on trust: a wrong root is just a candidate that never reaches quorum while the workers are honest.
/// One vote per worker and ended epoch; votes after the epoch closed are recorded and change nothing. An epoch
/// nobody earned points in has no tree, so no root: it stays open, with nothing to claim.
contract EpochManager is AccessControl {
    uint8 public constant KIND_CONTRIBUTION = 0;
    uint8 public constant KIND_INFERENCE = 1;
    uint8 public constant VERDICT_ACCEPT = 1;
    uint8 public constant VERDICT_REJECT = 2;
    uint256 public constant MAX_PEER_ID_BYTES = 128;
    /// @notice The OP Stack L1Block predeploy: the epoch seed's source.
    IL1Block public constant L1_BLOCK = IL1Block(0x4200000000000000000000000000000000000015);

    enum PointsReason {
        Agree,
        Dissent,
        Heartbeat
    }

    struct Params {
        uint128 minStake;
        uint32 validatorsPerSubject;
        uint32 quorum;
        uint32 heartbeatWindowBlocks;
        uint64 agreePoints;
        uint64 dissentPenalty;
        uint64 heartbeatPoints;
    }

    struct Worker {
        uint128 stake;
        uint64 activeFromEpoch;
        /// @dev First epoch the worker is no longer active in; type(uint64).max until it asks to exit.
        uint64 activeUntilEpoch;
        uint64 lastHeartbeatWindow;
        bool registered;
        string peerId;
    }

    struct EpochInfo {
        bytes32 seed;
        uint64 activeWorkers;
        uint64 seededAtBlock;
        /// @dev k and quorum are snapshotted too, so a parameter change never moves a running epoch's assignment.
        uint32 validatorsPerSubject;
        uint32 quorum;
        bool started;
        bool closed;
        bytes32 pointsRoot;
        uint256 totalPoints;
    }

    struct WorkerEpoch {
        int128 points;
        uint32 agreements;
        uint32 dissents;
        uint32 heartbeats;
    }

    struct Vote {
        address worker;
        uint8 verdict;
    }

    /// @dev The votes cast before quorum (the ones scored at finalization) are votes[0 .. votesBeforeQuorum);
    /// the count shares the tallies' slot, so the list costs no separate length slot.
    struct Round {
        uint32 acceptVotes;
        uint32 rejectVotes;
        uint32 votesBeforeQuorum;
        mapping(uint256 index => Vote) votes;
    }

    struct Outcome {
        uint64 epoch;
        uint8 verdict;
    }

    IDatanetRegistry public immutable datanetRegistry;
    IAttributionLedger public immutable attributionLedger;
    uint256 public immutable genesisBlock;
    uint256 public immutable epochLength;

    Params private _params;
    uint64 public activeWorkerCount;

    mapping(address worker => Worker) private _workers;
    mapping(uint256 epoch => EpochInfo) private _epochs;
    mapping(uint256 epoch => mapping(address worker => WorkerEpoch)) private _workerEpochs;
    mapping(bytes32 roundKey => Round) private _rounds;
    mapping(bytes32 roundKey => mapping(address worker => uint8 verdict)) private _verdictOf;
    mapping(bytes32 subjectKey => Outcome) private _outcomes;
    /// @dev Votes per ended epoch and candidate keccak256(abi.encode(pointsRoot, totalPoints)).
    mapping(uint256 epoch => mapping(bytes32 candidate => uint32 votes)) private _rootVotes;
    mapping(uint256 epoch => mapping(address worker => bytes32 candidate)) private _rootVoteOf;

    event ParamsUpdated(
        uint128 minStake,
        uint32 validatorsPerSubject,
        uint32 quorum,
        uint32 heartbeatWindowBlocks,
        uint64 agreePoints,
        uint64 dissentPenalty,
        uint64 heartbeatPoints
    );
    event WorkerRegistered(address indexed worker, string peerId, uint256 stake, uint256 activeFromEpoch, uint256 activeWorkers);
    event WorkerPeerIdUpdated(address indexed worker, string peerId);
    event WorkerExitRequested(address indexed worker, uint256 lastActiveEpoch, uint256 activeWorkers);
    event StakeWithdrawn(address indexed worker, uint256 amount);
    /// @param threshold the assignment threshold for this epoch (see isAssigned).
    event EpochStarted(
        uint256 indexed epoch,
        bytes32 seed,
        uint256 activeWorkers,
        uint256 validatorsPerSubject,
        uint256 threshold,
        uint256 quorum,
        uint256 startBlock,
        uint256 seededAtBlock
    );
    /// @param acceptVotes,rejectVotes the subject's tally in this epoch after this vote.
    event Attested(
        uint256 indexed epoch,
        uint256 indexed subjectId,
        address indexed worker,
        uint8 kind,
        uint8 verdict,
        uint32 score,
        bytes32 resultHash,
        uint32 acceptVotes,
        uint32 rejectVotes
    );
    /// @param applied false when the subject had already been decided elsewhere (the Datanet owner's override).
    event SubjectFinalized(
        uint256 indexed epoch,
        uint256 indexed subjectId,
        uint8 indexed kind,
        uint8 verdict,
        uint32 acceptVotes,
        uint32 rejectVotes,
        bool applied
    );
    /// @param subjectId the attested subject, or the heartbeat window for PointsReason.Heartbeat.
    /// @param total the worker's points in this epoch after the change (may be negative).
    event PointsChanged(
        uint256 indexed epoch,
        address indexed worker,
        PointsReason reason,
        uint8 kind,
        uint256 subjectId,
        int256 delta,
        int256 total
    );
    event Heartbeat(uint256 indexed epoch, address indexed worker, uint256 window, bool credited);
    /// @param votes the votes for this (pointsRoot, totalPoints) after this one.
    event PointsRootAttested(
        uint256 indexed epoch, address indexed worker, bytes32 pointsRoot, uint256 totalPoints, uint32 votes
    );
    /// @notice The epoch's points root reached quorum; `closedBy` cast the deciding vote.
    event EpochClosed(uint256 indexed epoch, bytes32 pointsRoot, uint256 totalPoints, address indexed closedBy);

    error ZeroAddress();
    error InvalidParams();
    error InvalidEpochLength();
    error InsufficientStake(uint256 sent, uint256 required);
    error AlreadyRegistered(address worker);
    error NotRegistered(address worker);
    error InvalidPeerId();
    error NotActive(address worker, uint256 epoch);
    error AlreadyExiting(address worker);
    error StakeLocked(address worker, uint256 withdrawableFromEpoch);
    error WrongEpoch(uint256 epoch, uint256 currentEpoch);
    error EpochNotStarted(uint256 epoch);
    error InvalidKind(uint8 kind);
    error InvalidVerdict(uint8 verdict);
    error NotAssigned(uint256 epoch, uint8 kind, uint256 subjectId, address worker);
    error AlreadyAttested(uint256 epoch, uint8 kind, uint256 subjectId, address worker);
    error SubjectAlreadyFinalized(uint8 kind, uint256 subjectId, uint256 epoch);
    error SubjectNotOpen(uint8 kind, uint256 subjectId);
    error InterestedParty(uint8 kind, uint256 subjectId, address worker);
    error HeartbeatTooSoon(address worker, uint256 window);
    error EpochNotEnded(uint256 epoch, uint256 currentEpoch);
    error InvalidPointsRoot();
    error AlreadyVotedPointsRoot(uint256 epoch, address worker);

    constructor(
        address admin,
        IDatanetRegistry datanetRegistry_,
        IAttributionLedger attributionLedger_,
        uint256 epochLength_,
        Params memory params
    ) {
        if (admin == address(0) || address(datanetRegistry_) == address(0) || address(attributionLedger_) == address(0)) {
            revert ZeroAddress();
        }
        if (epochLength_ == 0) revert InvalidEpochLength();
        datanetRegistry = datanetRegistry_;
        attributionLedger = attributionLedger_;
        genesisBlock = block.number;
        epochLength = epochLength_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setParams(params);
    }

    // ---- admin ----

    function setParams(Params calldata params) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setParams(params);
    }

    function _setParams(Params memory p) private {
        if (p.validatorsPerSubject == 0 || p.quorum == 0 || p.heartbeatWindowBlocks == 0) revert InvalidParams();
        _params = p;
        emit ParamsUpdated(
            p.minStake,
            p.validatorsPerSubject,
            p.quorum,
            p.heartbeatWindowBlocks,
            p.agreePoints,
            p.dissentPenalty,
            p.heartbeatPoints
        );
    }

    // ---- epochs ----

    function currentEpoch() public view returns (uint256) {
        return (block.number - genesisBlock) / epochLength;
    }

    function epochStartBlock(uint256 epoch) public view returns (uint256) {
        return genesisBlock + epoch * epochLength;
    }

    /// @notice Fixes the current epoch's seed and worker snapshot if nobody has yet. Returns the epoch.
    function startEpoch() external returns (uint256) {
        return _ensureEpoch();
    }

    function _ensureEpoch() private returns (uint256 epoch) {
        epoch = currentEpoch();
        EpochInfo storage info = _epochs[epoch];
        if (info.started) return epoch;
        uint256 start = epochStartBlock(epoch);
        bytes32 seed = keccak256(abi.encode(L1_BLOCK.hash(), L1_BLOCK.number(), epoch));
        uint64 n = activeWorkerCount;
        info.seed = seed;
        info.activeWorkers = n;
        info.seededAtBlock = uint64(block.number);
        Params memory p = _params;
        info.validatorsPerSubject = p.validatorsPerSubject;
        info.quorum = p.quorum;
        info.started = true;
        emit EpochStarted(
            epoch, seed, n, p.validatorsPerSubject, _threshold(n, p.validatorsPerSubject), _quorum(n, p.quorum), start, block.number
        );
    }

    function _threshold(uint256 activeWorkers, uint256 k) private pure returns (uint256) {
        if (activeWorkers <= k) return type(uint256).max;
        return type(uint256).max / activeWorkers * k;
    }

    function _quorum(uint256 activeWorkers, uint256 quorum) private pure returns (uint256) {
        if (activeWorkers == 0) return 1;
        return quorum < activeWorkers ? quorum : activeWorkers;
    }

    /// @notice The points Merkle root of an ended epoch that reached quorum (zero until one does).
    function pointsRootOf(uint256 epoch) external view returns (bytes32) {
        return _epochs[epoch].pointsRoot;
    }

    /// @notice The caller's vote on an ended epoch's points root (leaves: epoch, worker, max(points, 0); see
    /// contracts/merkle/pointsTree.ts); the caller must be active in the current epoch. The first
    /// (pointsRoot, totalPoints) to reach quorum closes the epoch; later votes are recorded and change nothing.
    function attestPointsRoot(uint256 epoch, bytes32 pointsRoot, uint256 totalPoints) external {
        uint256 current = _ensureEpoch();
        if (epoch >= current) revert EpochNotEnded(epoch, current);
        if (pointsRoot == bytes32(0)) revert InvalidPointsRoot();
        if (!_isActive(_workers[msg.sender], current)) revert NotActive(msg.sender, current);
        if (_rootVoteOf[epoch][msg.sender] != bytes32(0)) revert AlreadyVotedPointsRoot(epoch, msg.sender);
        bytes32 candidate = keccak256(abi.encode(pointsRoot, totalPoints));
        _rootVoteOf[epoch][msg.sender] = candidate;
        uint32 votes = ++_rootVotes[epoch][candidate];
        emit PointsRootAttested(epoch, msg.sender, pointsRoot, totalPoints, votes);
        EpochInfo storage info = _epochs[epoch];
        if (info.closed) return;
        EpochInfo storage now_ = _epochs[current];
        if (votes < _quorum(now_.activeWorkers, now_.quorum)) return;
        info.closed = true;
        info.pointsRoot = pointsRoot;
        info.totalPoints = totalPoints;
        emit EpochClosed(epoch, pointsRoot, totalPoints, msg.sender);
    }

    /// @notice Votes so far for (pointsRoot, totalPoints) as an ended epoch's points root.
    function pointsRootVotes(uint256 epoch, bytes32 pointsRoot, uint256 totalPoints) external view returns (uint32) {
        return _rootVotes[epoch][keccak256(abi.encode(pointsRoot, totalPoints))];
    }

    /// @notice Whether `worker` has voted on `epoch`'s points root.
    function hasVotedPointsRoot(uint256 epoch, address worker) external view returns (bool) {
        return _rootVoteOf[epoch][worker] != bytes32(0);
    }

    // ---- workers ----

    /// @notice Stakes msg.value (>= minStake) and registers the caller; active from the next epoch.
    /// @param peerId the worker's libp2p peer id (base58 or CID string), 1..128 bytes.
    function register(string calldata peerId) external payable {
        uint256 epoch = _ensureEpoch();
        if (_workers[msg.sender].registered) revert AlreadyRegistered(msg.sender);
        if (msg.value < _params.minStake) revert InsufficientStake(msg.value, _params.minStake);
        _checkPeerId(peerId);
        _workers[msg.sender] = Worker({
            stake: uint128(msg.value),
            activeFromEpoch: uint64(epoch + 1),
            activeUntilEpoch: type(uint64).max,
            lastHeartbeatWindow: 0,
            registered: true,
            peerId: peerId
        });
        uint64 n = ++activeWorkerCount;
        emit WorkerRegistered(msg.sender, peerId, msg.value, epoch + 1, n);
    }

    function updatePeerId(string calldata peerId) external {
        if (!_workers[msg.sender].registered) revert NotRegistered(msg.sender);
        _checkPeerId(peerId);
        _workers[msg.sender].peerId = peerId;
        emit WorkerPeerIdUpdated(msg.sender, peerId);
    }

    /// @notice Stops being active after the current epoch; the stake is withdrawable from the next one.
    function requestExit() external {
        uint256 epoch = _ensureEpoch();
        Worker storage w = _workers[msg.sender];
        if (!w.registered) revert NotRegistered(msg.sender);
        if (w.activeUntilEpoch != type(uint64).max) revert AlreadyExiting(msg.sender);
        w.activeUntilEpoch = uint64(epoch + 1);
        uint64 n = --activeWorkerCount;
        emit WorkerExitRequested(msg.sender, epoch, n);
    }

    function withdrawStake() external {
        uint256 epoch = _ensureEpoch();
        Worker storage w = _workers[msg.sender];
        if (!w.registered) revert NotRegistered(msg.sender);
        if (w.activeUntilEpoch == type(uint64).max || epoch < w.activeUntilEpoch) {
            revert StakeLocked(msg.sender, w.activeUntilEpoch);
        }
        uint256 amount = w.stake;
        delete _workers[msg.sender];
        emit StakeWithdrawn(msg.sender, amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    function _checkPeerId(string calldata peerId) private pure {
        uint256 len = bytes(peerId).length;
        if (len == 0 || len > MAX_PEER_ID_BYTES) revert InvalidPeerId();
    }

    function _isActive(Worker storage w, uint256 epoch) private view returns (bool) {
        return w.registered && w.activeFromEpoch <= epoch && epoch < w.activeUntilEpoch;
    }

    // ---- heartbeats ----

    /// @notice Once per heartbeat window; see the contract notes for when it earns points.
    function heartbeat() external {
        uint256 epoch = _ensureEpoch();
        Worker storage w = _workers[msg.sender];
        if (!_isActive(w, epoch)) revert NotActive(msg.sender, epoch);
        Params memory p = _params;
        uint256 window = block.number / p.heartbeatWindowBlocks;
        // Stored as window + 1 so that window 0 is distinguishable from "never".
        if (w.lastHeartbeatWindow > window) revert HeartbeatTooSoon(msg.sender, window);
        w.lastHeartbeatWindow = uint64(window + 1);
        WorkerEpoch storage we = _workerEpochs[epoch][msg.sender];
        we.heartbeats += 1;
        uint32 previousAgreements = epoch == 0 ? 0 : _workerEpochs[epoch - 1][msg.sender].agreements;
        bool credited = (we.agreements > 0 || previousAgreements > 0) && we.dissents <= we.agreements;
        emit Heartbeat(epoch, msg.sender, window, credited);
        if (credited && p.heartbeatPoints != 0) {
            _addPoints(epoch, msg.sender, we, int256(uint256(p.heartbeatPoints)), PointsReason.Heartbeat, 0, window);
        }
    }

    // ---- attestation ----

    /// @notice True when `worker` is assigned (kind, subjectId) in `epoch` (whose seed must be fixed).
    /// @dev Does not check that the worker is active; attest() does.
    function isAssigned(uint256 epoch, uint8 kind, uint256 subjectId, address worker) public view returns (bool) {
        EpochInfo storage info = _epochs[epoch];
        if (!info.started) revert EpochNotStarted(epoch);
        return _isAssigned(info, kind, subjectId, worker);
    }

    function _isAssigned(EpochInfo storage info, uint8 kind, uint256 subjectId, address worker)
        private
        view
        returns (bool)
    {
        uint256 h = uint256(keccak256(abi.encode(info.seed, kind, subjectId, worker)));
        return h < _threshold(info.activeWorkers, info.validatorsPerSubject);
    }

    /// @notice Records the caller's verdict on a subject it is assigned in the current epoch.
    /// @param kind KIND_CONTRIBUTION (validate a contribution) or KIND_INFERENCE (re-check an attribution).
    /// @param verdict VERDICT_ACCEPT (valid / attribution honest) or VERDICT_REJECT (invalid / dishonest).
    /// @param score the worker's quality score (informational, e.g. parts per million).
    /// @param resultHash hash of the worker's full result, e.g. its recomputed attribution.
    function attest(uint256 epoch, uint8 kind, uint256 subjectId, uint8 verdict, uint32 score, bytes32 resultHash)
        external
    {
        (bytes32 roundKey, uint8 outcome) = _admit(epoch, kind, subjectId, verdict);
        Round storage round = _rounds[roundKey];
        _verdictOf[roundKey][msg.sender] = verdict;
        uint32 votesForVerdict = verdict == VERDICT_ACCEPT ? ++round.acceptVotes : ++round.rejectVotes;
        _emitAttested(epoch, kind, subjectId, verdict, score, resultHash, round);

        if (outcome != 0) {
            // Finalized earlier in this epoch: score the late vote at once.
            _score(epoch, msg.sender, verdict == outcome, kind, subjectId);
            return;
        }
        round.votes[round.votesBeforeQuorum++] = Vote({worker: msg.sender, verdict: verdict});
        EpochInfo storage info = _epochs[epoch];
        if (votesForVerdict >= _quorum(info.activeWorkers, info.quorum)) {
            _finalize(epoch, kind, subjectId, verdict, round);
        }
    }

    /// @dev Every check attest() makes before counting a vote; returns the round key and the subject's
    /// verdict if a quorum already decided it in this epoch (0 otherwise).
    function _admit(uint256 epoch, uint8 kind, uint256 subjectId, uint8 verdict)
        private
        returns (bytes32 roundKey, uint8 outcomeVerdict)
    {
        uint256 current = _ensureEpoch();
        if (epoch != current) revert WrongEpoch(epoch, current);
        if (kind > KIND_INFERENCE) revert InvalidKind(kind);
        if (verdict != VERDICT_ACCEPT && verdict != VERDICT_REJECT) revert InvalidVerdict(verdict);
        if (!_isActive(_workers[msg.sender], epoch)) revert NotActive(msg.sender, epoch);
        if (!_isAssigned(_epochs[epoch], kind, subjectId, msg.sender)) {
            revert NotAssigned(epoch, kind, subjectId, msg.sender);
        }
        roundKey = keccak256(abi.encode(epoch, kind, subjectId));
        if (_verdictOf[roundKey][msg.sender] != 0) revert AlreadyAttested(epoch, kind, subjectId, msg.sender);
        Outcome memory outcome = _outcomes[_subjectKey(kind, subjectId)];
        if (outcome.verdict != 0 && outcome.epoch != epoch) {
            revert SubjectAlreadyFinalized(kind, subjectId, outcome.epoch);
        }
        (bool open, address party) = _subject(kind, subjectId);
        // Nobody validates their own contribution or re-checks an inference they paid for.
        if (party == msg.sender) revert InterestedParty(kind, subjectId, msg.sender);
        if (outcome.verdict == 0 && !open) revert SubjectNotOpen(kind, subjectId);
        return (roundKey, outcome.verdict);
    }

    function _emitAttested(
        uint256 epoch,
        uint8 kind,
        uint256 subjectId,
        uint8 verdict,
        uint32 score,
        bytes32 resultHash,
        Round storage round
    ) private {
        emit Attested(
            epoch, subjectId, msg.sender, kind, verdict, score, resultHash, round.acceptVotes, round.rejectVotes
        );
    }

    /// @dev Whether the subject still awaits a verdict, and who would gain from it (contributor or payer).
    function _subject(uint8 kind, uint256 subjectId) private view returns (bool open, address party) {
        if (kind == KIND_CONTRIBUTION) {
            IDatanetRegistry.ContributionStatus status;
            (status, party) = datanetRegistry.contributionSubject(subjectId);
            return (status == IDatanetRegistry.ContributionStatus.Pending, party);
        }
        IAttributionLedger.InferenceStatus inferenceStatus;
        (inferenceStatus, party) = attributionLedger.inferenceSubject(subjectId);
        return (inferenceStatus == IAttributionLedger.InferenceStatus.Recorded, party);
    }

    /// @dev Voters before quorum number at most 2 * (quorum - 1) + 1, so this loop is bounded.
    function _finalize(uint256 epoch, uint8 kind, uint256 subjectId, uint8 verdict, Round storage round) private {
        _outcomes[_subjectKey(kind, subjectId)] = Outcome({epoch: uint64(epoch), verdict: verdict});
        bool accepted = verdict == VERDICT_ACCEPT;
        bool applied = kind == KIND_CONTRIBUTION
            ? datanetRegistry.finalizeContribution(subjectId, accepted, epoch)
            : attributionLedger.setInferenceOutcome(subjectId, accepted, epoch);
        emit SubjectFinalized(epoch, subjectId, kind, verdict, round.acceptVotes, round.rejectVotes, applied);
        uint256 n = round.votesBeforeQuorum;
        for (uint256 i; i < n; ++i) {
            Vote memory v = round.votes[i];
            _score(epoch, v.worker, v.verdict == verdict, kind, subjectId);
        }
    }

    function _score(uint256 epoch, address worker, bool agreed, uint8 kind, uint256 subjectId) private {
        WorkerEpoch storage we = _workerEpochs[epoch][worker];
        Params memory p = _params;
        if (agreed) {
            we.agreements += 1;
            _addPoints(epoch, worker, we, int256(uint256(p.agreePoints)), PointsReason.Agree, kind, subjectId);
        } else {
            we.dissents += 1;
            _addPoints(epoch, worker, we, -int256(uint256(p.dissentPenalty)), PointsReason.Dissent, kind, subjectId);
        }
    }

    function _addPoints(
        uint256 epoch,
        address worker,
        WorkerEpoch storage we,
        int256 delta,
        PointsReason reason,
        uint8 kind,
        uint256 subjectId
    ) private {
        int128 total = we.points + int128(delta);
        we.points = total;
        emit PointsChanged(epoch, worker, reason, kind, subjectId, delta, total);
    }

    function _subjectKey(uint8 kind, uint256 subjectId) private pure returns (bytes32) {
        return keccak256(abi.encode(kind, subjectId));
    }

    // ---- views ----

    function params() external view returns (Params memory) {
        return _params;
    }

    function getWorker(address worker) external view returns (Worker memory) {
        return _workers[worker];
    }

    function isActive(address worker, uint256 epoch) external view returns (bool) {
        return _isActive(_workers[worker], epoch);
    }

    function getEpoch(uint256 epoch) external view returns (EpochInfo memory) {
        return _epochs[epoch];
    }

    /// @notice The assignment threshold and quorum of a started epoch.
    function assignmentOf(uint256 epoch) external view returns (bytes32 seed, uint256 activeWorkers, uint256 threshold, uint256 quorum) {
        EpochInfo storage info = _epochs[epoch];
        if (!info.started) revert EpochNotStarted(epoch);
        uint256 n = info.activeWorkers;
        return (info.seed, n, _threshold(n, info.validatorsPerSubject), _quorum(n, info.quorum));
    }

    function pointsOf(uint256 epoch, address worker) external view returns (WorkerEpoch memory) {
        return _workerEpochs[epoch][worker];
    }

    function verdictOf(uint256 epoch, uint8 kind, uint256 subjectId, address worker) external view returns (uint8) {
        return _verdictOf[keccak256(abi.encode(epoch, kind, subjectId))][worker];
    }

    function tallyOf(uint256 epoch, uint8 kind, uint256 subjectId) external view returns (uint32 acceptVotes, uint32 rejectVotes) {
        Round storage round = _rounds[keccak256(abi.encode(epoch, kind, subjectId))];
        return (round.acceptVotes, round.rejectVotes);
    }

    /// @notice (epoch, verdict) of the quorum that finalized the subject; verdict 0 while open.
    function outcomeOf(uint8 kind, uint256 subjectId) external view returns (Outcome memory) {
        return _outcomes[_subjectKey(kind, subjectId)];
    }
}
