/**
 * The indexer API's bounds on one request, each with why it is what it is. GraphQL's cost model has its own
 * (graphql/estimateQueryCost.ts: QUERY_COST_LIMITS). indexer/README.md documents both.
 */
export const API_LIMITS = {
  /** Largest request body (GraphQL): a real query with variables is a few KB; 5 MB strings are refused unread. */
  maxBodyBytes: 64 * 1024,
  /** Every GraphQL request answers within this, or gets 503 DEADLINE_EXCEEDED. */
  graphqlDeadlineMs: 10_000,
  /**
   * GraphQL lanes (db/createGraphqlLanes.ts). A request estimated above `graphqlHeavyCost` is expensive: it
   * runs on its own pool, one at a time, with at most `graphqlHeavyQueue` waiting (429 with Retry-After
   * beyond), and the lane rests as long as it ran before the next (busy at most half the time): clients
   * looping on the dearest allowed query hold one connection and at most half of the API process, never the
   * pool REST reads from. Cheaper requests have their own pool.
   */
  graphqlHeavyCost: 1_000,
  graphqlHeavyConcurrency: 1,
  graphqlHeavyConnections: 1,
  graphqlHeavyQueue: 8,
  graphqlHeavyBusyShare: 0.5,
  graphqlConnections: 2,
  graphqlConcurrency: 8,
  graphqlQueue: 64,
  /** Same operation limits as before: depth, tokens (checked while parsing), aliases. */
  graphqlMaxDepth: 8,
  graphqlMaxTokens: 2000,
  graphqlMaxAliases: 20,
  /** /sql: Postgres cancels a statement after this (57014 → 400 STATEMENT_TIMEOUT). */
  sqlStatementTimeoutMs: 5_000,
  /** /sql: longest statement text (Ponder's own bound). */
  sqlMaxLength: 5_000,
  /** /sql: connections of the read-only role's own pool; /sql never takes GraphQL's or REST's. */
  sqlPoolSize: 2,
  /** /sql/live: open live queries per client address, and in all. */
  liveQueriesPerClient: 4,
  liveQueriesTotal: 64,
  /** /sql/live: an SSE comment this often; a client that cannot take it is gone and its slot is freed. */
  liveHeartbeatMs: 15_000,
} as const;
