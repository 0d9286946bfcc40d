/** One gossip topic per Datanet; the trailing version lets the message format change without a flag day. */
export function chunkTopic(datanetId: bigint): string {
  return `/openledger/datanet/${datanetId}/chunks/1`;
}

/** The Datanet of a chunk topic, or undefined for any other topic string. */
export function datanetOfTopic(topic: string): bigint | undefined {
  const m = /^\/openledger\/datanet\/(\d{1,78})\/chunks\/1$/.exec(topic);
  return m ? BigInt(m[1]!) : undefined;
}
