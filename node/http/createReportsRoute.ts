import { decodeSubjectKind } from "../../contracts/enums/subjectKind.ts";
import type { Task, TaskKey } from "../worker/workerTypes.ts";
import { HttpClientError, type HttpReply } from "./createNodeHttpServer.ts";

const SHAPE = "/reports/<epoch>/<kind 0|1>/<subjectId>, decimal numbers";
// The worker keeps epochs as int8 and subject ids as uint256: anything larger names no report.
const MAX_EPOCH = 2n ** 63n - 1n;
const MAX_SUBJECT = 2n ** 256n - 1n;

/**
 * `GET /reports/<epoch>/<kind>/<subjectId>`: the canonical report this worker attested for a subject, for
 * anyone to re-check. A malformed path or a number out of range is the caller's mistake (400), a subject the
 * worker has no report for is a 404.
 */
export function createReportsRoute(report: (key: TaskKey) => Promise<Task | undefined>) {
  return async (path: string): Promise<HttpReply | undefined> => {
    const m = /^\/reports\/(\d{1,20})\/(\d{1,2})\/(\d{1,80})$/.exec(path);
    if (!m)
      throw new HttpClientError(
        400,
        `Malformed report path ${JSON.stringify(path.slice(0, 200))}: expected ${SHAPE}.`,
      );
    const epoch = BigInt(m[1]!);
    const kind = decodeSubjectKind(m[2]!);
    const subjectId = BigInt(m[3]!);
    if (epoch > MAX_EPOCH) throw new HttpClientError(400, `epoch ${epoch} is out of range (at most 2^63-1).`);
    if (kind === undefined)
      throw new HttpClientError(400, `kind ${Number(m[2])} is not 0 (contribution) or 1 (inference).`);
    if (subjectId > MAX_SUBJECT)
      throw new HttpClientError(400, `subjectId ${subjectId} is out of range (a uint256).`);
    const task = await report({ epoch, kind, subjectId });
    if (!task?.report) return undefined;
    return {
      status: 200,
      body: task.report,
      contentType: "application/json",
      headers: { "x-report-hash": task.reportHash ?? "", "cache-control": "public, max-age=60" },
    };
  };
}
