import { Hono } from "hono";

// Ponder requires an API file; the baseline serves only Ponder's /health, /ready and /status.
export default new Hono();
