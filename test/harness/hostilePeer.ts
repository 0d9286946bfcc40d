import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { identify } from "@libp2p/identify";
import type { Libp2p, PeerId, Stream } from "@libp2p/interface";
import { tcp } from "@libp2p/tcp";
import { multiaddr } from "@multiformats/multiaddr";
import { createLibp2p } from "libp2p";

/**
 * An attacker's libp2p node for hostile-peer tests and benchmarks: our transport stack (TCP, noise, yamux,
 * identify) and nothing else — no gossipsub, no validation, no limits. It speaks /meshsub and the sync
 * protocols byte by byte with its own protobuf writer below, so it can send what a well-behaved
 * implementation never would.
 */
export type HostilePeer = {
  host: Libp2p;
  peerId: string;
  /** Dials the target and opens a raw /meshsub stream to it (the target must know us as a gossipsub peer). */
  meshsub(target: string): Promise<RawStream>;
  dial(target: string): Promise<void>;
  stop(): Promise<void>;
};

export type RawStream = {
  stream: Stream;
  /** One length-prefixed frame (what gossipsub reads as one RPC). */
  frame(bytes: Uint8Array): Promise<void>;
  /** Bytes as they are, no framing (to send a bogus length prefix). */
  raw(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
};

export const MESHSUB = ["/meshsub/1.2.0", "/meshsub/1.1.0"];

export async function startHostilePeer(): Promise<HostilePeer> {
  const host = await createLibp2p({
    addresses: { listen: ["/ip4/127.0.0.1/tcp/0"] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionMonitor: { enabled: false },
    services: { identify: identify() },
  });
  // Advertise /meshsub so the target's gossipsub adds us as a peer; drain whatever it sends.
  await host.handle(MESHSUB, async (stream: Stream) => {
    try {
      for await (const _ of stream) {
        // discard
      }
    } catch {
      // the target hung up on us
    }
  });
  return {
    host,
    peerId: host.peerId.toString(),
    async dial(target) {
      await host.dial(multiaddr(target));
    },
    async meshsub(target) {
      const ma = multiaddr(target);
      const stream = await host.dialProtocol(ma, MESHSUB);
      return rawStream(stream);
    },
    async stop() {
      await host.stop();
    },
  };
}

export function rawStream(stream: Stream): RawStream {
  const send = async (bytes: Uint8Array) => {
    if (!stream.send(bytes)) await stream.onDrain();
  };
  return {
    stream,
    // Our own varint prefix: it-length-prefixed refuses to encode past its 4 MiB default, attackers do not.
    frame: (bytes) => send(Buffer.concat([Uint8Array.from(varint(bytes.length)), bytes])),
    raw: send,
    close: () => stream.close().catch(() => undefined),
  };
}

/** The peer id of a dialable multiaddr string (`…/p2p/<id>`). */
export function peerOf(address: string): PeerId | undefined {
  return multiaddr(address)
    .getComponents()
    .find((c) => c.name === "p2p")?.value as PeerId | undefined;
}

// --- a minimal protobuf writer for gossipsub's RPC (rpc.proto) -------------------------------------------

export type RawMessage = {
  topic: string;
  data?: Uint8Array;
  from?: Uint8Array;
  seqno?: Uint8Array;
  signature?: Uint8Array;
  key?: Uint8Array;
};
export type RawRpc = {
  subscriptions?: { subscribe: boolean; topic: string }[];
  messages?: RawMessage[];
  ihave?: { topic: string; ids: Uint8Array[] }[];
  iwant?: Uint8Array[][];
};

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function field(no: number, value: Uint8Array | string): Uint8Array {
  const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
  return Buffer.concat([
    Uint8Array.from(varint((no << 3) | 2)),
    Uint8Array.from(varint(bytes.length)),
    bytes,
  ]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

/** RPC { 1: SubOpts*, 2: Message*, 3: ControlMessage { 1: ControlIHave*, 2: ControlIWant* } }. */
export function encodeRawRpc(rpc: RawRpc): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const s of rpc.subscriptions ?? []) {
    parts.push(field(1, concat([Uint8Array.of(0x08, s.subscribe ? 1 : 0), field(2, s.topic)])));
  }
  for (const m of rpc.messages ?? []) {
    const fields: Uint8Array[] = [];
    if (m.from) fields.push(field(1, m.from));
    if (m.data) fields.push(field(2, m.data));
    if (m.seqno) fields.push(field(3, m.seqno));
    fields.push(field(4, m.topic));
    if (m.signature) fields.push(field(5, m.signature));
    if (m.key) fields.push(field(6, m.key));
    parts.push(field(2, concat(fields)));
  }
  const control: Uint8Array[] = [];
  for (const h of rpc.ihave ?? [])
    control.push(field(1, concat([field(1, h.topic), ...h.ids.map((id) => field(2, id))])));
  for (const w of rpc.iwant ?? []) control.push(field(2, concat(w.map((id) => field(1, id)))));
  if (control.length > 0) parts.push(field(3, concat(control)));
  return concat(parts);
}
