import { db } from "ponder:api";
import schema from "ponder:schema";
import { Hono } from "hono";
import { client, graphql } from "ponder";
import { createRestApi } from "./rest.ts";

/**
 * The indexer's one HTTP app (Ponder adds /health, /ready, /status and /metrics in front of it):
 * - /graphql: Ponder's GraphQL, with operation limits so one query cannot fan out across the whole index;
 * - /sql/*: SQL over HTTP for @ponder/client (read-only, Ponder validates every statement);
 * - /api/v1: the REST API for an explorer backend.
 */
const app = new Hono();

app.use("/sql/*", client({ db, schema }));
app.use(
  "/graphql",
  graphql({ db, schema }, { maxOperationDepth: 8, maxOperationTokens: 2000, maxOperationAliases: 20 }),
);
app.route("/api/v1", createRestApi());

export default app;
