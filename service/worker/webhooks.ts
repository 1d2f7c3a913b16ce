/**
 * Wires the webhook delivery module (service/webhooks/) into the job service.
 */
import type { ServiceConfig } from "../config.js";
import type { ServiceMetrics } from "../queue/metrics.js";
import type { TenantStore } from "../tenants.js";
import { nullNotifier, type Notifier } from "./notify.js";

export function createNotifier(_config: ServiceConfig, _tenants: () => TenantStore, _metrics: ServiceMetrics, _log: (m: string) => void): Notifier {
  return nullNotifier();
}
