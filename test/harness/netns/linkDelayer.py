#!/usr/bin/env python3
"""Holds every packet of an NFQUEUE queue for a fixed delay and drops a share of them at random: the delay and
loss of `tc netem`, for kernels built without sch_netem. Runs inside one network namespace (ip netns exec),
reads commands from stdin ("delay <ms>", "loss <percent>") and exits when stdin closes.
Usage: linkDelayer.py <queue-num> <delay-ms> <loss-percent> [<seed>]"""
import collections, os, random, select, socket, struct, sys, time

NETLINK_NETFILTER = 12
SUBSYS_QUEUE = 3
MSG_PACKET, MSG_VERDICT, MSG_CONFIG = 0, 1, 2
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
CFG_CMD, CFG_PARAMS, CFG_QUEUE_MAXLEN, CFG_MASK, CFG_FLAGS = 1, 2, 3, 4, 5
CFG_F_GSO = 1 << 2
CMD_BIND = 1
COPY_META = 1
PACKET_HDR = 1
VERDICT_HDR = 2
NF_DROP, NF_ACCEPT = 0, 1
SOL_NETLINK, NETLINK_NO_ENOBUFS = 270, 5

queue, delay_ms, loss = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else None)
seq = 0


def attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def message(kind, flags, payload):
    global seq
    seq += 1
    body = struct.pack("=BBH", socket.AF_UNSPEC, 0, socket.htons(queue)) + payload
    return struct.pack("=IHHII", 16 + len(body), (SUBSYS_QUEUE << 8) | kind, flags, seq, 0) + body


sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
sock.bind((0, 0))
sock.setsockopt(socket.SOL_SOCKET, 33, 16 * 1024 * 1024)  # SO_RCVBUFFORCE: bursts of a busy link
sock.setsockopt(SOL_NETLINK, NETLINK_NO_ENOBUFS, 1)


def configure(payload):
    sock.send(message(MSG_CONFIG, NLM_F_REQUEST | NLM_F_ACK, payload))
    data = sock.recv(65536)
    length, kind = struct.unpack_from("=IH", data, 0)
    if kind == NLMSG_ERROR:
        (error,) = struct.unpack_from("=i", data, 16)
        if error != 0:
            sys.stderr.write(f"linkDelayer: nfqueue config failed: {os.strerror(-error)}\n")
            sys.exit(1)


configure(attr(CFG_CMD, struct.pack("=BBH", CMD_BIND, 0, 0)))
configure(attr(CFG_PARAMS, struct.pack(">IB", 0, COPY_META)))
configure(attr(CFG_QUEUE_MAXLEN, struct.pack(">I", 20000)))
# A GSO burst (up to 64 KiB) stays one queued packet: a fraction of the per-packet work in this process.
configure(attr(CFG_MASK, struct.pack(">I", CFG_F_GSO)) + attr(CFG_FLAGS, struct.pack(">I", CFG_F_GSO)))
sys.stdout.write("ready\n")
sys.stdout.flush()

held = collections.deque()  # (due, packet id); the delay is the same for all, so due times are in order


def verdicts(pairs):
    out = b"".join(message(MSG_VERDICT, NLM_F_REQUEST, attr(VERDICT_HDR, struct.pack(">II", v, i))) for v, i in pairs)
    if out:
        sock.send(out)


stdin = sys.stdin.fileno()
buffer = b""
while True:
    timeout = max(0.0, held[0][0] - time.monotonic()) if held else None
    readable, _, _ = select.select([sock, stdin], [], [], timeout)
    if stdin in readable:
        chunk = os.read(stdin, 4096)
        if not chunk:
            verdicts([(NF_ACCEPT, i) for _, i in held])
            sys.exit(0)
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            words = line.decode().split()
            if len(words) == 2 and words[0] == "delay":
                delay_ms = float(words[1])
            elif len(words) == 2 and words[0] == "loss":
                loss = float(words[1])
    if sock in readable:
        data = sock.recv(1 << 20)
        now = time.monotonic()
        drops = []
        offset = 0
        while offset + 16 <= len(data):
            length, kind = struct.unpack_from("=IH", data, offset)
            if length < 16:
                break
            if kind == (SUBSYS_QUEUE << 8) | MSG_PACKET:
                at = offset + 20
                end = offset + length
                while at + 4 <= end:
                    alen, akind = struct.unpack_from("=HH", data, at)
                    if alen < 4:
                        break
                    if (akind & 0x7FFF) == PACKET_HDR:
                        (packet_id,) = struct.unpack_from(">I", data, at + 4)
                        if loss > 0 and rng.random() * 100 < loss:
                            drops.append((NF_DROP, packet_id))
                        else:
                            held.append((now + delay_ms / 1000, packet_id))
                        break
                    at += (alen + 3) & ~3
            offset += (length + 3) & ~3
        verdicts(drops)
    now = time.monotonic()
    due = []
    while held and held[0][0] <= now:
        due.append((NF_ACCEPT, held.popleft()[1]))
    verdicts(due)
