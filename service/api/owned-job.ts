/**
 * Look-ups every per-job route needs: the tenant's job (404 for anyone
 * else's) and, for routes that render a result (OCPP profiles, charts), its
 * parsed result.
 */
import { WattplanError } from "../../engine/errors.js";
import type { Request, Response } from "../../engine/model/schema.js";
import { validateRequest } from "../../engine/model/validate.js";
import { isJobId } from "../queue/keys.js";
import type { JobRecord } from "../queue/store.js";
import type { ApiContext } from "./context.js";

/** The tenant's job, or ERR_NOT_FOUND (also for another tenant's job). */
export async function ownedJob(ctx: Pick<ApiContext, "producer">, tenantId: string, id: string): Promise<JobRecord> {
  const record = isJobId(id) ? await ctx.producer.store.get(id, tenantId) : undefined;
  if (!record) throw new WattplanError("ERR_NOT_FOUND", `no optimization ${id}`);
  return record;
}

/** The tenant's completed job and its spec §9 result; ERR_NOT_COMPLETED (409) before that. */
export async function completedJob(
  ctx: Pick<ApiContext, "producer">,
  tenantId: string,
  id: string,
): Promise<{ record: JobRecord; result: Response }> {
  const record = await ownedJob(ctx, tenantId, id);
  const text = record.status === "completed" ? await ctx.producer.store.getResultText(id) : undefined;
  if (text === undefined) {
    throw new WattplanError(
      "ERR_NOT_COMPLETED",
      `optimization ${id} is ${record.status}${record.status === "completed" ? " but its result expired" : ""}; there is no result`,
    );
  }
  return { record, result: JSON.parse(text) as Response };
}

/** The tenant's completed job as the model sees it: its validated request and its result. */
export async function completedOptimization(
  ctx: Pick<ApiContext, "producer">,
  tenantId: string,
  id: string,
): Promise<{ request: Request; response: Response }> {
  const { result } = await completedJob(ctx, tenantId, id);
  const stored = validateRequest(await ctx.producer.store.getRequest(id));
  if (!stored.ok) throw new WattplanError("ERR_NOT_COMPLETED", `optimization ${id}: its stored request expired; there is no result`);
  return { request: stored.request, response: result };
}
