export interface paths {
    "/health/live": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The process is up */
        get: operations["getLiveness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Redis answers and at least one worker is connected */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/optimizations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the tenant's optimizations, newest first */
        get: operations["listOptimizations"];
        put?: never;
        /**
         * Submit an optimization
         * @description Queues a scheduling request (the model of docs/model.md) plus an optional webhook and metadata. The same Idempotency-Key with the same body returns the same job; with a different body, 409 ERR_IDEMPOTENCY_CONFLICT. With ?wait=S the answer is 200 with the finished job when it finishes within S seconds, else 202.
         */
        post: operations["submitOptimization"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/optimizations/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get an optimization (with its result once completed) */
        get: operations["getOptimization"];
        put?: never;
        post?: never;
        /**
         * Cancel a queued optimization
         * @description 409 ERR_NOT_CANCELABLE once a worker has started it or it has finished.
         */
        delete: operations["cancelOptimization"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/optimizations/{id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the webhook deliveries of an optimization, with every attempt */
        get: operations["listDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/optimizations/{id}/deliveries/{deliveryId}/redeliver": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a finished webhook delivery again (same webhook-id) */
        post: operations["redeliverDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/optimizations/{id}/chart.svg": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Chart of a completed optimization (SVG)
         * @description Site import, base load, PV, EV charging and discharging, price and the import limit over the horizon.
         */
        get: operations["getOptimizationChart"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/optimizations/{id}/ocpp": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The schedule as OCPP SetChargingProfile messages
         * @description One TxProfile per session (Absolute, starting at the horizon start, covering the horizon) in OCPP 1.6J, 2.0.1 or 2.1, plus with fallback=true one TxDefaultProfile per EVSE at stack level 0 capping it at a safe share of its circuits. Limits are rounded down to one decimal, never between 0 and 6 A, so a profile never exceeds the scheduled power and keeps every site and circuit limit. In 1.6 and 2.0.1 V2G discharge cannot be expressed and is sent as 0; 2.1 sends it as CentralSetpoint with a negative setpoint. See docs/ocpp.md.
         */
        get: operations["getOcppProfiles"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sites/{siteId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a live site */
        get: operations["getSite"];
        /**
         * Create or replace a live site
         * @description Limits, circuits, tariff and forecasts as time series; EVSEs; planning settings; webhook; OCPP profile policy (docs/sites.md).
         */
        put: operations["putSite"];
        post?: never;
        /**
         * Delete a live site
         * @description Without purge the site leaves the API but its sessions, events and plans are kept (a PUT brings it back); ?purge=true deletes them.
         */
        delete: operations["deleteSite"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sites/{siteId}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Post a batch of site events
         * @description All or nothing: a batch with one invalid event changes nothing (400 with each problem's path). An eventId applied before is reported in `duplicates` and not applied again. ?wait=S waits up to S seconds for the plan that includes the batch: 200 with `plan` when it came in time, else 202.
         */
        post: operations["postSiteEvents"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sites/{siteId}/plan": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The site's current plan */
        get: operations["getSitePlan"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sites/{siteId}/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The site's sessions, with the energy each received */
        get: operations["listSiteSessions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export interface webhooks {
    "optimization.completed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * An optimization completed
         * @description Sent to the webhook URL, signed with the tenant's secret (Standard Webhooks; docs/webhooks.md). Verify the signature on the raw body. Any 2xx acknowledges; other answers and timeouts are retried with backoff.
         */
        post: operations["optimizationCompleted"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "optimization.failed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * An optimization failed
         * @description Sent to the webhook URL, signed with the tenant's secret (Standard Webhooks; docs/webhooks.md). Verify the signature on the raw body. Any 2xx acknowledges; other answers and timeouts are retried with backoff.
         */
        post: operations["optimizationFailed"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "site.plan.updated": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A live site published a new plan
         * @description Sent to the webhook URL, signed with the tenant's secret (Standard Webhooks; docs/webhooks.md). Verify the signature on the raw body. Any 2xx acknowledges; other answers and timeouts are retried with backoff.
         */
        post: operations["sitePlanUpdated"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export interface components {
    schemas: {
        /** @description a circuit of the site's tree (parentId), with its own limit */
        Circuit: {
            id: string;
            parentId?: string;
            limitKw: number | number[];
            phaseLimitA?: number | number[];
            unbalanceLimitA?: number;
        };
        /** @description the cost terms of spec §7 */
        Cost: {
            total: number;
            energy: number;
            demand: number;
            degradation: number;
            shortfall: number;
        };
        /** @description one event sent to one endpoint */
        Delivery: {
            /** @description delivery id, also the webhook-id header */
            id: string;
            tenantId: string;
            optimizationId: string;
            /** @enum {string} */
            event: "optimization.completed" | "optimization.failed" | "site.plan.updated";
            url: string;
            /** @enum {string} */
            status: "pending" | "succeeded" | "failed" | "disabled";
            statusReason?: string;
            cycle: number;
            createdAt: string;
            updatedAt: string;
            /** @description when the next attempt is due (pending only) */
            nextAttemptAt?: string;
            attempts: components["schemas"]["DeliveryAttempt"][];
        };
        /** @description one HTTP attempt of a delivery */
        DeliveryAttempt: {
            /** @description redelivery cycle, 1 for the first */
            cycle: number;
            /** @description 1-based attempt number within the cycle */
            attempt: number;
            /** @description when the attempt started and was signed (ISO 8601) */
            at: string;
            /** @description the receiver's HTTP status, when it answered */
            statusCode?: number;
            /** @description why the attempt failed */
            error?: string;
            /** @description time to the answer or failure, ms */
            durationMs: number;
            /** @enum {string} */
            outcome: "success" | "retry" | "failed" | "disabled" | "refused";
        };
        /** @description webhook deliveries with every attempt */
        DeliveryList: {
            items: components["schemas"]["Delivery"][];
        };
        /** @description the one error shape of every response (docs/errors.md) */
        Error: {
            /** @description the HTTP status */
            statusCode: number;
            /**
             * @description stable error code (docs/errors.md)
             * @enum {string}
             */
            code: "ERR_INVALID_REQUEST" | "ERR_INVALID_JSON" | "ERR_PROBLEM_TOO_LARGE" | "ERR_SCHEDULER_FAILED" | "ERR_BAD_REQUEST" | "ERR_UNAUTHORIZED" | "ERR_NOT_FOUND" | "ERR_ROUTE_NOT_FOUND" | "ERR_NOT_CANCELABLE" | "ERR_NOT_COMPLETED" | "ERR_IDEMPOTENCY_CONFLICT" | "ERR_BODY_TOO_LARGE" | "ERR_UNSUPPORTED_MEDIA_TYPE" | "ERR_RATE_LIMITED" | "ERR_UNAVAILABLE" | "ERR_INTERNAL" | "ERR_JOB_TIMEOUT" | "ERR_WORKER_CRASHED" | "ERR_JOB_EXPIRED" | "ERR_WEBHOOK_URL_REFUSED" | "ERR_WEBHOOK_PAYLOAD_TOO_LARGE" | "ERR_WEBHOOK_DELIVERY_PENDING" | "ERR_WEBHOOK_ENDPOINT_DISABLED" | "ERR_SITE_NOT_FOUND" | "ERR_PLAN_PENDING" | "ERR_SITE_CONFLICT" | "ERR_SITES_UNAVAILABLE";
            /** @description for people; may be reworded */
            message: string;
            /**
             * @description ERR_INVALID_REQUEST: { problems: Problem[] }, every invalid value with its JSON path
             * @example {
             *       "problems": [
             *         {
             *           "path": "sessions[1].maxChargeKw",
             *           "message": "must be > 0"
             *         }
             *       ]
             *     }
             */
            details?: unknown;
        };
        /** @description site events, applied all or nothing */
        EventBatchInput: {
            events: components["schemas"]["SiteEventInput"][];
        };
        /** @description what a batch of events did */
        EventsOutcome: {
            siteId: string;
            stateVersion: number;
            applied: string[];
            /** @description event ids applied before (a retried batch), not applied again */
            duplicates: string[];
            /** @description with ?wait=: the plan that includes these events */
            plan?: {
                version: number;
                stateVersion: number;
            };
        };
        /** @description an EVSE (connector) of a charging station */
        Evse: {
            id: string;
            stationId: string;
            connectorId: number;
            circuitId?: string;
            maxChargeKw: number;
            /** @default 0 */
            minChargeKw: number;
            /** @default 0 */
            maxDischargeKw: number;
            phases?: 1 | 3;
            voltageV?: number;
            ocpp: {
                /** @enum {string} */
                version: "1.6" | "2.0.1" | "2.1";
                /**
                 * @default W
                 * @enum {string}
                 */
                unit: "W" | "A";
                maxPeriods?: number;
            };
        };
        /** @description an EVSE went out of service or came back */
        EvseAvailabilityEvent: {
            eventId: string;
            /** Format: date-time */
            at: string;
            /** @enum {string} */
            type: "evse.unavailable" | "evse.available";
            evseId: string;
        };
        /** @description an EVSE (connector) of a charging station */
        EvseInput: {
            id: string;
            stationId: string;
            connectorId: number;
            circuitId?: string;
            maxChargeKw: number;
            /** @default 0 */
            minChargeKw?: number;
            /** @default 0 */
            maxDischargeKw?: number;
            phases?: 1 | 3;
            voltageV?: number;
            ocpp: {
                /** @enum {string} */
                version: "1.6" | "2.0.1" | "2.1";
                /**
                 * @default W
                 * @enum {string}
                 */
                unit?: "W" | "A";
                maxPeriods?: number;
            };
        };
        /** @description new price, base load or PV forecasts */
        ForecastUpdatedEvent: {
            eventId: string;
            /** Format: date-time */
            at: string;
            /** @constant */
            type: "forecast.updated";
            importPrice?: number | {
                /** Format: date-time */
                start: string;
                value: number;
            }[] | {
                /** Format: date-time */
                start: string;
                stepMinutes: number;
                values: number[];
            };
            exportPrice?: number | {
                /** Format: date-time */
                start: string;
                value: number;
            }[] | {
                /** Format: date-time */
                start: string;
                stepMinutes: number;
                values: number[];
            };
            baseLoadKw?: number | {
                /** Format: date-time */
                start: string;
                value: number;
            }[] | {
                /** Format: date-time */
                start: string;
                stepMinutes: number;
                values: number[];
            };
            pvKw?: number | {
                /** Format: date-time */
                start: string;
                value: number;
            }[] | {
                /** Format: date-time */
                start: string;
                stepMinutes: number;
                values: number[];
            };
        };
        /** @description the planning horizon: `slots` slots of `slotMinutes` from `start` */
        Horizon: {
            /** Format: date-time */
            start: string;
            slotMinutes: number;
            slots: number;
        };
        /** @description a temporary import limit (a DSO or OpenADR signal) */
        LimitChangedEvent: {
            eventId: string;
            /** Format: date-time */
            at: string;
            /** @constant */
            type: "limit.changed";
            /** Format: date-time */
            start: string;
            /** Format: date-time */
            end: string;
            importLimitKw: number;
            circuitId?: string;
        };
        Liveness: {
            /** @constant */
            status: "live";
        };
        /** @description the grid connection: limits, base load and PV (kW), one value or one per slot */
        ModelSite: {
            importLimitKw: number | number[];
            /** @default 0 */
            exportLimitKw: number | number[];
            /** @default 0 */
            baseLoadKw: number | number[];
            /** @default 0 */
            pvKw: number | number[];
            voltageV?: number;
            phaseLimitA?: number | number[];
        };
        /** @description the grid connection: limits, base load and PV (kW), one value or one per slot */
        ModelSiteInput: {
            importLimitKw: number | number[];
            /** @default 0 */
            exportLimitKw?: number | number[];
            /** @default 0 */
            baseLoadKw?: number | number[];
            /** @default 0 */
            pvKw?: number | number[];
            voltageV?: number;
            phaseLimitA?: number | number[];
        };
        /** @description one SetChargingProfile call to make */
        OcppMessage: {
            /** @description the session; null for a fallback TxDefaultProfile (one per EVSE) */
            sessionId: string | null;
            /** @description the session's evseId as in the request (which charging station to call); null when absent */
            evseId: string | null;
            /** @constant */
            action: "SetChargingProfile";
            payload: components["schemas"]["SetChargingProfilePayload"];
            energy?: components["schemas"]["ProfileEnergy"];
        };
        /** @description chargingProfileIds, stack levels and fallback profiles of the site's messages */
        OcppProfilePolicy: {
            /** @default 1000000 */
            idMin: number;
            /** @default 1999999 */
            idMax: number;
            /** @default 1 */
            stackLevel: number;
            fallback?: {
                idBase: number;
                /** @default 0 */
                stackLevel: number;
            };
        };
        /** @description chargingProfileIds, stack levels and fallback profiles of the site's messages */
        OcppProfilePolicyInput: {
            /** @default 1000000 */
            idMin?: number;
            /** @default 1999999 */
            idMax?: number;
            /** @default 1 */
            stackLevel?: number;
            fallback?: {
                idBase: number;
                /** @default 0 */
                stackLevel?: number;
            };
        };
        /** @description a finished optimization's schedule as OCPP SetChargingProfile messages (docs/ocpp.md) */
        OcppProfiles: {
            /** @enum {string} */
            version: "1.6" | "2.0.1" | "2.1";
            /** @enum {string} */
            unit: "W" | "A";
            ocpp: components["schemas"]["OcppMessage"][];
            warnings: string[];
        };
        /** @description an optimization job, with its result once completed */
        Optimization: {
            id: string;
            /** @enum {string} */
            status: "queued" | "running" | "completed" | "failed" | "canceled";
            createdAt: string;
            startedAt?: string;
            finishedAt?: string;
            strategy: string;
            metadata?: {
                [key: string]: unknown;
            };
            /** @description times a worker started the job; above 1 after a worker died */
            attempts: number;
            /** @description the spec §9 response, when completed */
            result?: components["schemas"]["OptimizationResult"];
            error?: components["schemas"]["OptimizationError"];
            links: components["schemas"]["OptimizationLinks"];
        };
        /** @description the job was queued */
        OptimizationAccepted: {
            id: string;
            /** @enum {string} */
            status: "queued" | "running" | "completed" | "failed" | "canceled";
            links: components["schemas"]["OptimizationLinks"];
        };
        /** @description an optimization completed */
        OptimizationCompletedEvent: {
            /** @constant */
            type: "optimization.completed";
            /** @description when the event happened (ISO 8601); the same on every attempt and redelivery */
            timestamp: string;
            data: {
                /** @description the optimization id */
                id: string;
                /** @constant */
                status: "completed";
                /**
                 * @description the solve status of spec §9
                 * @enum {string}
                 */
                solveStatus: "optimal" | "feasible" | "infeasible";
                strategy: components["schemas"]["StrategyName"];
                cost: components["schemas"]["Cost"];
                /** @description highest net import, kW */
                peakImportKw: number;
                /** @description where to fetch the job and its full result */
                links: {
                    [key: string]: string;
                };
                /** @description the full §9 response, when the job asked for it (webhook.includeResult) and it fits */
                result?: components["schemas"]["OptimizationResult"];
                /**
                 * @description set when the result was asked for but left out because it is too large
                 * @constant
                 */
                resultOmitted?: "too_large";
            };
        };
        /** @description why a job failed */
        OptimizationError: {
            code: string;
            message: string;
        };
        /** @description an optimization failed */
        OptimizationFailedEvent: {
            /** @constant */
            type: "optimization.failed";
            /** @description when the event happened (ISO 8601); the same on every attempt and redelivery */
            timestamp: string;
            data: {
                /** @description the optimization id */
                id: string;
                /** @constant */
                status: "failed";
                /** @description why the job failed: a stable error code and a message */
                error: {
                    code: string;
                    message: string;
                };
                /** @description where to fetch the job and its full result */
                links: {
                    [key: string]: string;
                };
            };
        };
        OptimizationLinks: {
            self: string;
            deliveries: string;
        };
        /** @description a page of optimizations, newest first */
        OptimizationList: {
            items: components["schemas"]["OptimizationSummary"][];
            /** @description pass as ?cursor= for the next (older) page; absent on the last page */
            nextCursor?: string;
        };
        /** @description a scheduling request (docs/model.md) */
        OptimizationRequest: {
            horizon: components["schemas"]["Horizon"];
            site: components["schemas"]["ModelSite"];
            /** @default [] */
            circuits: components["schemas"]["Circuit"][];
            tariff: components["schemas"]["Tariff"];
            sessions: components["schemas"]["Session"][];
            /** @default optimal */
            strategy: components["schemas"]["StrategyName"];
            solverOptions?: components["schemas"]["SolverOptions"];
        };
        /** @description the schedule and its costs (spec §9) */
        OptimizationResult: {
            /** @enum {string} */
            status: "optimal" | "feasible" | "infeasible";
            strategy: components["schemas"]["StrategyName"];
            cost: components["schemas"]["Cost"];
            peakImportKw: number;
            warnings: string[];
            /** @description slots whose net import still exceeds the import limit (status infeasible) */
            infeasibleSlots: number[];
            sessions: components["schemas"]["SessionResult"][];
            site: {
                netImportKw: number[];
                curtailedPvKw: number[];
            };
            solver: {
                iterations: number;
                solveMs: number;
                relativeGap?: number;
                bound?: number;
                /**
                 * @description spec §10 (optimal only): applied = the earliest schedule within the tolerance; rejected = it would have cost more than the tolerance, the first stage's schedule is returned; skipped = not tried (no converged first stage, or no room under the tolerance); off = tieBreak none
                 * @enum {string}
                 */
                tieBreak?: "applied" | "rejected" | "skipped" | "off";
            };
        };
        /** @description a scheduling request plus an optional webhook and metadata */
        OptimizationSubmissionInput: {
            horizon: components["schemas"]["Horizon"];
            site: components["schemas"]["ModelSiteInput"];
            /** @default [] */
            circuits?: components["schemas"]["Circuit"][];
            tariff: components["schemas"]["TariffInput"];
            sessions: components["schemas"]["SessionInput"][];
            /** @default optimal */
            strategy?: components["schemas"]["StrategyName"];
            solverOptions?: components["schemas"]["SolverOptions"];
            webhook?: components["schemas"]["WebhookSubscriptionInput"];
            /** @description opaque object echoed back with the job and in its webhook (at most 16 KiB of JSON) */
            metadata?: {
                [key: string]: unknown;
            };
        };
        /** @description an optimization job without its result */
        OptimizationSummary: {
            id: string;
            /** @enum {string} */
            status: "queued" | "running" | "completed" | "failed" | "canceled";
            createdAt: string;
            startedAt?: string;
            finishedAt?: string;
            strategy: string;
            metadata?: {
                [key: string]: unknown;
            };
            /** @description times a worker started the job; above 1 after a worker died */
            attempts: number;
            error?: components["schemas"]["OptimizationError"];
            links: components["schemas"]["OptimizationLinks"];
        };
        /** @description how and when the site is planned */
        Planning: {
            slotMinutes: number;
            horizonHours: number;
            /** @default 0 */
            debounceMs: number;
            /** @default optimal */
            strategy: components["schemas"]["StrategyName"];
            /**
             * @default earliest
             * @enum {string}
             */
            tieBreak: "earliest" | "none";
            /**
             * @default wall
             * @enum {string}
             */
            clock: "wall" | "events";
            /** @default true */
            meterCaps: boolean;
        };
        /** @description how and when the site is planned */
        PlanningInput: {
            slotMinutes: number;
            horizonHours: number;
            /** @default 0 */
            debounceMs?: number;
            /** @default optimal */
            strategy?: components["schemas"]["StrategyName"];
            /**
             * @default earliest
             * @enum {string}
             */
            tieBreak?: "earliest" | "none";
            /**
             * @default wall
             * @enum {string}
             */
            clock?: "wall" | "events";
            /** @default true */
            meterCaps?: boolean;
        };
        /** @description where the session's scheduled energy went: scheduled = profile + rounding + belowMinCurrent + reduction + dischargeNotExpressed */
        ProfileEnergy: {
            /** @description Σ |power|·Δ of the schedule */
            scheduledKwh: number;
            /** @description Σ |limit|·Δ of the profile as sent */
            profileKwh: number;
            /** @description lost rounding limits down to one decimal */
            roundingKwh: number;
            /** @description lost in slots below the 6 A floor (sent as 0) */
            belowMinCurrentKwh: number;
            /** @description lost fitting maxPeriods (limits lowered, never raised) */
            reductionKwh: number;
            /** @description V2G discharge OCPP 1.6 / 2.0.1 cannot express (sent as 0) */
            dischargeNotExpressedKwh: number;
        };
        /** @description ready when Redis answers and a worker is connected (else 503) */
        Readiness: {
            /** @enum {string} */
            status: "ready" | "not ready";
            redis: boolean;
            /** @description worker connections BullMQ sees on the queue */
            workers: number;
        };
        /** @description one EV session to schedule */
        Session: {
            id: string;
            evseId?: string;
            circuitId?: string;
            /** Format: date-time */
            arrival?: string;
            /** Format: date-time */
            departure: string;
            /** @default 0 */
            initialEnergyKwh: number;
            targetEnergyKwh: number;
            capacityKwh?: number;
            /** @default 0 */
            minEnergyKwh: number;
            maxChargeKw: number;
            /** @default 0 */
            minChargeKw: number;
            /** @default 0 */
            maxDischargeKw: number;
            /** @default 1 */
            chargeEfficiency: number;
            /** @default 1 */
            dischargeEfficiency: number;
            /** @default 0 */
            degradationCostPerKwh: number;
            /** @default 1000 */
            shortfallPenaltyPerKwh: number;
            connectorId?: number;
            transactionId?: string;
            phases?: 1 | 3;
            /** @enum {string} */
            phase?: "L1" | "L2" | "L3";
            voltageV?: number;
        };
        /** @description what a session that announces nothing is assumed to want */
        SessionDefaults: {
            /** @default 8 */
            stayHours: number;
            /** @default 20 */
            energyKwh: number;
            /** @default 1000 */
            shortfallPenaltyPerKwh: number;
            /** @default 1 */
            chargeEfficiency: number;
        };
        /** @description what a session that announces nothing is assumed to want */
        SessionDefaultsInput: {
            /** @default 8 */
            stayHours?: number;
            /** @default 20 */
            energyKwh?: number;
            /** @default 1000 */
            shortfallPenaltyPerKwh?: number;
            /** @default 1 */
            chargeEfficiency?: number;
        };
        /** @description the car left */
        SessionEndedEvent: {
            eventId: string;
            /** Format: date-time */
            at: string;
            /** @constant */
            type: "session.ended";
            sessionId: string;
            energyDeliveredKwh?: number;
        };
        /** @description one EV session to schedule */
        SessionInput: {
            id: string;
            evseId?: string;
            circuitId?: string;
            /** Format: date-time */
            arrival?: string;
            /** Format: date-time */
            departure: string;
            /** @default 0 */
            initialEnergyKwh?: number;
            targetEnergyKwh: number;
            capacityKwh?: number;
            /** @default 0 */
            minEnergyKwh?: number;
            maxChargeKw: number;
            /** @default 0 */
            minChargeKw?: number;
            /** @default 0 */
            maxDischargeKw?: number;
            /** @default 1 */
            chargeEfficiency?: number;
            /** @default 1 */
            dischargeEfficiency?: number;
            /** @default 0 */
            degradationCostPerKwh?: number;
            /** @default 1000 */
            shortfallPenaltyPerKwh?: number;
            connectorId?: number;
            transactionId?: string;
            phases?: 1 | 3;
            /** @enum {string} */
            phase?: "L1" | "L2" | "L3";
            voltageV?: number;
        };
        /** @description one session's schedule */
        SessionResult: {
            id: string;
            evseId?: string;
            /** @description signed grid-side power per slot, kW (+ charging, − discharging) */
            powerKw: number[];
            /** @description battery energy after each slot, kWh */
            energyKwh: number[];
            /** @description energy after the last slot minus initial energy; negative when V2G left the battery lower */
            deliveredKwh: number;
            shortfallKwh: number;
        };
        /** @description a car plugged in */
        SessionStartedEventInput: {
            eventId: string;
            /** Format: date-time */
            at: string;
            /** @constant */
            type: "session.started";
            sessionId: string;
            evseId: string;
            transactionId?: string;
            /** Format: date-time */
            departure?: string;
            initialEnergyKwh?: number;
            targetEnergyKwh?: number;
            requestedEnergyKwh?: number;
            initialSoc?: number;
            targetSoc?: number;
            capacityKwh?: number;
            minEnergyKwh?: number;
            chargeEfficiency?: number;
            dischargeEfficiency?: number;
            degradationCostPerKwh?: number;
            shortfallPenaltyPerKwh?: number;
            /** @default false */
            v2g?: boolean;
        };
        /** @description a meter value, or a new departure or target */
        SessionUpdatedEvent: {
            eventId: string;
            /** Format: date-time */
            at: string;
            /** @constant */
            type: "session.updated";
            sessionId: string;
            energyDeliveredKwh?: number;
            soc?: number;
            /** Format: date-time */
            departure?: string;
            targetEnergyKwh?: number;
            transactionId?: string;
        };
        /** @description OCPP 1.6J SetChargingProfile.req */
        SetChargingProfile16: {
            /** @description connectorId on the charge point */
            connectorId: number;
            csChargingProfiles: {
                chargingProfileId: number;
                /** @description the session's transactionId when it is an int32 */
                transactionId?: number;
                stackLevel: number;
                /** @enum {string} */
                chargingProfilePurpose: "TxProfile" | "TxDefaultProfile";
                /** @constant */
                chargingProfileKind: "Absolute";
                chargingSchedule: {
                    /** @description seconds */
                    duration?: number;
                    /** @description RFC 3339 UTC timestamp */
                    startSchedule: string;
                    /** @enum {string} */
                    chargingRateUnit: "W" | "A";
                    chargingSchedulePeriod: {
                        /** @description seconds from startSchedule; 0 first, increasing */
                        startPeriod: number;
                        /** @description in chargingRateUnit, rounded down to one decimal */
                        limit: number;
                        numberPhases?: number;
                    }[];
                };
            };
        };
        /** @description OCPP 2.0.1 SetChargingProfileRequest */
        SetChargingProfile201: {
            /** @description EVSE id on the charging station */
            evseId: number;
            chargingProfile: {
                id: number;
                stackLevel: number;
                /** @enum {string} */
                chargingProfilePurpose: "TxProfile" | "TxDefaultProfile";
                /** @constant */
                chargingProfileKind: "Absolute";
                /** @description TxProfile only */
                transactionId?: string;
                chargingSchedule: [
                    {
                        id: number;
                        /** @description RFC 3339 UTC timestamp */
                        startSchedule: string;
                        /** @description seconds */
                        duration?: number;
                        /** @enum {string} */
                        chargingRateUnit: "W" | "A";
                        chargingSchedulePeriod: {
                            /** @description seconds from startSchedule; 0 first, increasing */
                            startPeriod: number;
                            /** @description in chargingRateUnit, rounded down to one decimal */
                            limit: number;
                            numberPhases?: number;
                        }[];
                    }
                ];
            };
        };
        /** @description OCPP 2.1 SetChargingProfileRequest (V2X) */
        SetChargingProfile21: {
            /** @description EVSE id on the charging station */
            evseId: number;
            chargingProfile: {
                id: number;
                stackLevel: number;
                /** @enum {string} */
                chargingProfilePurpose: "TxProfile" | "TxDefaultProfile";
                /** @constant */
                chargingProfileKind: "Absolute";
                /** @description TxProfile only */
                transactionId?: string;
                chargingSchedule: [
                    {
                        id: number;
                        /** @description RFC 3339 UTC timestamp */
                        startSchedule: string;
                        /** @description seconds */
                        duration?: number;
                        /** @enum {string} */
                        chargingRateUnit: "W" | "A";
                        chargingSchedulePeriod: {
                            /** @description seconds from startSchedule; 0 first, increasing */
                            startPeriod: number;
                            /**
                             * @description CentralSetpoint for V2G discharge
                             * @enum {string}
                             */
                            operationMode: "ChargingOnly" | "CentralSetpoint";
                            /** @description in chargingRateUnit, rounded down to one decimal */
                            limit: number;
                            /** @description negative: discharge (CentralSetpoint only) */
                            setpoint?: number;
                            /** @description ≤ 0, equal to setpoint (CentralSetpoint only) */
                            dischargeLimit?: number;
                            numberPhases?: number;
                        }[];
                    }
                ];
            };
        };
        /** @description SetChargingProfile.req (1.6) or SetChargingProfileRequest (2.0.1, 2.1), valid against the official OCPP JSON schema; see docs/ocpp.md */
        SetChargingProfilePayload: components["schemas"]["SetChargingProfile16"] | components["schemas"]["SetChargingProfile201"] | components["schemas"]["SetChargingProfile21"];
        /** @description a live site: limits, tariff and forecasts as time series, EVSEs, planning, webhook, OCPP policy */
        SiteBody: {
            site: {
                importLimitKw: number | {
                    /** Format: date-time */
                    start: string;
                    value: number;
                }[] | {
                    /** Format: date-time */
                    start: string;
                    stepMinutes: number;
                    values: number[];
                };
                /** @default 0 */
                exportLimitKw: number | {
                    /** Format: date-time */
                    start: string;
                    value: number;
                }[] | {
                    /** Format: date-time */
                    start: string;
                    stepMinutes: number;
                    values: number[];
                };
                /** @default 0 */
                baseLoadKw: number | {
                    /** Format: date-time */
                    start: string;
                    value: number;
                }[] | {
                    /** Format: date-time */
                    start: string;
                    stepMinutes: number;
                    values: number[];
                };
                /** @default 0 */
                pvKw: number | {
                    /** Format: date-time */
                    start: string;
                    value: number;
                }[] | {
                    /** Format: date-time */
                    start: string;
                    stepMinutes: number;
                    values: number[];
                };
            };
            /** @default [] */
            circuits: {
                id: string;
                parentId?: string;
                limitKw: number | {
                    /** Format: date-time */
                    start: string;
                    value: number;
                }[] | {
                    /** Format: date-time */
                    start: string;
                    stepMinutes: number;
                    values: number[];
                };
            }[];
            tariff: {
                importPrice: number | {
                    /** Format: date-time */
                    start: string;
                    value: number;
                }[] | {
                    /** Format: date-time */
                    start: string;
                    stepMinutes: number;
                    values: number[];
                };
                /** @default 0 */
                exportPrice: number | {
                    /** Format: date-time */
                    start: string;
                    value: number;
                }[] | {
                    /** Format: date-time */
                    start: string;
                    stepMinutes: number;
                    values: number[];
                };
                /** @default 0 */
                demandChargePerKw: number;
                /** @default 0 */
                peakThresholdKw: number;
            };
            evses: components["schemas"]["Evse"][];
            planning: components["schemas"]["Planning"];
            webhook?: {
                /** Format: uri */
                url: string;
            };
            /**
             * @default {
             *       "stayHours": 8,
             *       "energyKwh": 20,
             *       "shortfallPenaltyPerKwh": 1000,
             *       "chargeEfficiency": 1
             *     }
             */
            sessionDefaults: components["schemas"]["SessionDefaults"];
            /**
             * @default {
             *       "idMin": 1000000,
             *       "idMax": 1999999,
             *       "stackLevel": 1
             *     }
             */
            ocppProfiles: components["schemas"]["OcppProfilePolicy"];
        };
        /** @description a live site: limits, tariff and forecasts as time series, EVSEs, planning, webhook, OCPP policy */
        SiteBodyInput: {
            site: {
                importLimitKw: number | {
                    /** Format: date-time */
                    start: string;
                    value: number;
                }[] | {
                    /** Format: date-time */
                    start: string;
                    stepMinutes: number;
                    values: number[];
                };
                /** @default 0 */
                exportLimitKw?: number | {
                    /** Format: date-time */
                    start: string;
                    value: number;
                }[] | {
                    /** Format: date-time */
                    start: string;
                    stepMinutes: number;
                    values: number[];
                };
                /** @default 0 */
                baseLoadKw?: number | {
                    /** Format: date-time */
                    start: string;
                    value: number;
                }[] | {
                    /** Format: date-time */
                    start: string;
                    stepMinutes: number;
                    values: number[];
                };
                /** @default 0 */
                pvKw?: number | {
                    /** Format: date-time */
                    start: string;
                    value: number;
                }[] | {
                    /** Format: date-time */
                    start: string;
                    stepMinutes: number;
                    values: number[];
                };
            };
            /** @default [] */
            circuits?: {
                id: string;
                parentId?: string;
                limitKw: number | {
                    /** Format: date-time */
                    start: string;
                    value: number;
                }[] | {
                    /** Format: date-time */
                    start: string;
                    stepMinutes: number;
                    values: number[];
                };
            }[];
            tariff: {
                importPrice: number | {
                    /** Format: date-time */
                    start: string;
                    value: number;
                }[] | {
                    /** Format: date-time */
                    start: string;
                    stepMinutes: number;
                    values: number[];
                };
                /** @default 0 */
                exportPrice?: number | {
                    /** Format: date-time */
                    start: string;
                    value: number;
                }[] | {
                    /** Format: date-time */
                    start: string;
                    stepMinutes: number;
                    values: number[];
                };
                /** @default 0 */
                demandChargePerKw?: number;
                /** @default 0 */
                peakThresholdKw?: number;
            };
            evses: components["schemas"]["EvseInput"][];
            planning: components["schemas"]["PlanningInput"];
            webhook?: {
                /** Format: uri */
                url: string;
            };
            /**
             * @default {
             *       "stayHours": 8,
             *       "energyKwh": 20,
             *       "shortfallPenaltyPerKwh": 1000,
             *       "chargeEfficiency": 1
             *     }
             */
            sessionDefaults?: components["schemas"]["SessionDefaultsInput"];
            /**
             * @default {
             *       "idMin": 1000000,
             *       "idMax": 1999999,
             *       "stackLevel": 1
             *     }
             */
            ocppProfiles?: components["schemas"]["OcppProfilePolicyInput"];
        };
        /** @description the site is gone (with purged: its sessions, events and plans too) */
        SiteDeleted: {
            siteId: string;
            /** @constant */
            deleted: true;
            purged: boolean;
        };
        /** @description one site event, told apart by `type` */
        SiteEventInput: components["schemas"]["SessionStartedEventInput"] | components["schemas"]["SessionUpdatedEvent"] | components["schemas"]["SessionEndedEvent"] | components["schemas"]["EvseAvailabilityEvent"] | components["schemas"]["LimitChangedEvent"] | components["schemas"]["ForecastUpdatedEvent"];
        /** @description one SetChargingProfile call to a charging station */
        SiteOcppMessage: {
            /** @description null for an EVSE's fallback profile */
            sessionId: string | null;
            evseId: string;
            stationId: string;
            /** @constant */
            action: "SetChargingProfile";
            payload: components["schemas"]["SetChargingProfilePayload"];
        };
        /** @description a site's current plan: the model request and response, and the OCPP messages */
        SitePlan: {
            siteId: string;
            version: number;
            stateVersion: number;
            computedAt: string;
            /** @description the model request (docs/model.md) this plan solved */
            request: components["schemas"]["OptimizationRequest"];
            /** @description its response (spec §9) */
            response: components["schemas"]["OptimizationResult"];
            ocpp: components["schemas"]["SiteOcppMessage"][];
            changedSessions: string[];
            /** @description EVSEs whose fallback profile changed */
            changedFallbacks: string[];
            warnings: string[];
        };
        /** @description a live site published a new plan */
        SitePlanUpdatedEvent: {
            /** @constant */
            type: "site.plan.updated";
            /** @description when the event happened (ISO 8601); the same on every attempt and redelivery */
            timestamp: string;
            data: {
                siteId: string;
                /** @description the plan's version */
                version: number;
                /** @description the site state the plan was computed from */
                stateVersion: number;
                horizonStart: string;
                /** @description sessions whose profile changed */
                changedSessions: string[];
                /** @description EVSEs whose fallback profile (sessionId null in ocpp) changed */
                changedFallbacks: string[];
                /** @description the messages of the changed profiles only; absent when too large (ocppOmitted) */
                ocpp?: components["schemas"]["SiteOcppMessage"][];
                /**
                 * @description fetch the changed sessions' messages from the plan
                 * @constant
                 */
                ocppOmitted?: "too_large";
                links: {
                    [key: string]: string;
                };
            };
        };
        /** @description a session of a live site */
        SiteSession: {
            sessionId: string;
            evseId: string;
            /** @enum {string} */
            state: "active" | "ended";
            startedAt: string;
            endedAt?: string;
            announced: {
                [key: string]: unknown;
            };
            /** @description grid-side energy through the connector, from meter values */
            deliveredKwh: number;
            meteredAt?: string;
            /** @description cap learned from meter values (the car takes less than offered) */
            learnedMaxKw?: number;
            chargingProfileId: number;
            transactionId?: string;
        };
        SiteSessionList: {
            sessions: components["schemas"]["SiteSession"][];
        };
        /** @description a live site, its state and links */
        SiteView: {
            siteId: string;
            stateVersion: number;
            createdAt: string;
            updatedAt: string;
            /** @description latest event time */
            clock?: string;
            /** @description the site as put, defaults applied */
            body: components["schemas"]["SiteBody"];
            state: {
                unavailableEvses: string[];
                limits: {
                    [key: string]: unknown;
                }[];
                forecastUpdates: number;
            };
            links: {
                [key: string]: string;
            };
        };
        /** @description limits and the tie-break of the optimal strategy */
        SolverOptions: {
            timeLimitMs?: number;
            maxIterations?: number;
            /** @enum {string} */
            tieBreak?: "earliest" | "none";
        };
        /**
         * @description the scheduling strategy
         * @enum {string}
         */
        StrategyName: "optimal" | "uncontrolled" | "equalShare" | "edf" | "llf";
        /** @description prices per kWh (one value or one per slot) and the demand charge */
        Tariff: {
            importPrice: number | number[];
            /** @default 0 */
            exportPrice: number | number[];
            /** @default 0 */
            demandChargePerKw: number;
            /** @default 0 */
            peakThresholdKw: number;
        };
        /** @description prices per kWh (one value or one per slot) and the demand charge */
        TariffInput: {
            importPrice: number | number[];
            /** @default 0 */
            exportPrice?: number | number[];
            /** @default 0 */
            demandChargePerKw?: number;
            /** @default 0 */
            peakThresholdKw?: number;
        };
        /** @description where to send optimization.completed / optimization.failed */
        WebhookSubscriptionInput: {
            /** Format: uri */
            url: string;
            /**
             * @description put the whole result in the webhook payload
             * @default false
             */
            includeResult?: boolean;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getLiveness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Liveness"];
                };
            };
            /** @description The request is invalid (ERR_INVALID_REQUEST lists every problem with its JSON path in details.problems) or malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal error (ERR_INTERNAL) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description ready when Redis answers and a worker is connected (else 503) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            /** @description The request is invalid (ERR_INVALID_REQUEST lists every problem with its JSON path in details.problems) or malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal error (ERR_INTERNAL) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description ready when Redis answers and a worker is connected (else 503) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text exposition format */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description The request is invalid (ERR_INVALID_REQUEST lists every problem with its JSON path in details.problems) or malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal error (ERR_INTERNAL) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listOptimizations: {
        parameters: {
            query?: {
                limit?: number;
                /** @description nextCursor of the previous page */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description a page of optimizations, newest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OptimizationList"];
                };
            };
            /** @description The request is invalid (ERR_INVALID_REQUEST lists every problem with its JSON path in details.problems) or malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or unknown API key (ERR_UNAUTHORIZED) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited (ERR_RATE_LIMITED); retry after the retry-after header */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal error (ERR_INTERNAL) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A backing store (Redis, PostgreSQL) is unreachable; retry later */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    submitOptimization: {
        parameters: {
            query?: {
                /** @description seconds to wait for the result (capped by the server, 30 by default) */
                wait?: number;
            };
            header?: {
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["OptimizationSubmissionInput"];
            };
        };
        responses: {
            /** @description an optimization job, with its result once completed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Optimization"];
                };
            };
            /** @description the job was queued */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OptimizationAccepted"];
                };
            };
            /** @description The request is invalid (ERR_INVALID_REQUEST lists every problem with its JSON path in details.problems) or malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or unknown API key (ERR_UNAUTHORIZED) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The resource is not in a state that allows this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body or the problem is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited (ERR_RATE_LIMITED); retry after the retry-after header */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal error (ERR_INTERNAL) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A backing store (Redis, PostgreSQL) is unreachable; retry later */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getOptimization: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description an optimization job, with its result once completed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Optimization"];
                };
            };
            /** @description The request is invalid (ERR_INVALID_REQUEST lists every problem with its JSON path in details.problems) or malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or unknown API key (ERR_UNAUTHORIZED) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource for this tenant */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited (ERR_RATE_LIMITED); retry after the retry-after header */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal error (ERR_INTERNAL) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A backing store (Redis, PostgreSQL) is unreachable; retry later */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    cancelOptimization: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description an optimization job, with its result once completed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Optimization"];
                };
            };
            /** @description The request is invalid (ERR_INVALID_REQUEST lists every problem with its JSON path in details.problems) or malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or unknown API key (ERR_UNAUTHORIZED) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource for this tenant */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The resource is not in a state that allows this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited (ERR_RATE_LIMITED); retry after the retry-after header */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal error (ERR_INTERNAL) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A backing store (Redis, PostgreSQL) is unreachable; retry later */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listDeliveries: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description webhook deliveries with every attempt */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeliveryList"];
                };
            };
            /** @description The request is invalid (ERR_INVALID_REQUEST lists every problem with its JSON path in details.problems) or malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or unknown API key (ERR_UNAUTHORIZED) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource for this tenant */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited (ERR_RATE_LIMITED); retry after the retry-after header */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal error (ERR_INTERNAL) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A backing store (Redis, PostgreSQL) is unreachable; retry later */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    redeliverDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                deliveryId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description one event sent to one endpoint */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Delivery"];
                };
            };
            /** @description The request is invalid (ERR_INVALID_REQUEST lists every problem with its JSON path in details.problems) or malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or unknown API key (ERR_UNAUTHORIZED) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource for this tenant */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The resource is not in a state that allows this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited (ERR_RATE_LIMITED); retry after the retry-after header */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal error (ERR_INTERNAL) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A backing store (Redis, PostgreSQL) is unreachable; retry later */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getOptimizationChart: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The chart */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/svg+xml": string;
                };
            };
            /** @description The request is invalid (ERR_INVALID_REQUEST lists every problem with its JSON path in details.problems) or malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or unknown API key (ERR_UNAUTHORIZED) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource for this tenant */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The resource is not in a state that allows this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited (ERR_RATE_LIMITED); retry after the retry-after header */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal error (ERR_INTERNAL) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A backing store (Redis, PostgreSQL) is unreachable; retry later */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getOcppProfiles: {
        parameters: {
            query: {
                version: "1.6" | "2.0.1" | "2.1";
                unit?: "W" | "A";
                /** @description per-session units, e.g. van-1:A,van-2:W */
                units?: string;
                maxPeriods?: number;
                fallback?: "0" | "1" | "true" | "false";
                stackLevel?: number;
                profileIdBase?: number;
                defaultEvseId?: number;
            };
            header?: never;
            path: {
                /** @description optimization id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description a finished optimization's schedule as OCPP SetChargingProfile messages (docs/ocpp.md) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OcppProfiles"];
                };
            };
            /** @description The request is invalid (ERR_INVALID_REQUEST lists every problem with its JSON path in details.problems) or malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or unknown API key (ERR_UNAUTHORIZED) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource for this tenant */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The resource is not in a state that allows this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited (ERR_RATE_LIMITED); retry after the retry-after header */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal error (ERR_INTERNAL) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A backing store (Redis, PostgreSQL) is unreachable; retry later */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getSite: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                siteId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description a live site, its state and links */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SiteView"];
                };
            };
            /** @description The request is invalid (ERR_INVALID_REQUEST lists every problem with its JSON path in details.problems) or malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or unknown API key (ERR_UNAUTHORIZED) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource for this tenant */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The resource is not in a state that allows this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited (ERR_RATE_LIMITED); retry after the retry-after header */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal error (ERR_INTERNAL) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A backing store (Redis, PostgreSQL) is unreachable; retry later */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putSite: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                siteId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SiteBodyInput"];
            };
        };
        responses: {
            /** @description a live site, its state and links */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SiteView"];
                };
            };
            /** @description a live site, its state and links */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SiteView"];
                };
            };
            /** @description The request is invalid (ERR_INVALID_REQUEST lists every problem with its JSON path in details.problems) or malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or unknown API key (ERR_UNAUTHORIZED) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource for this tenant */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The resource is not in a state that allows this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body or the problem is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited (ERR_RATE_LIMITED); retry after the retry-after header */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal error (ERR_INTERNAL) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A backing store (Redis, PostgreSQL) is unreachable; retry later */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteSite: {
        parameters: {
            query?: {
                purge?: "true" | "false";
            };
            header?: never;
            path: {
                siteId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the site is gone (with purged: its sessions, events and plans too) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SiteDeleted"];
                };
            };
            /** @description The request is invalid (ERR_INVALID_REQUEST lists every problem with its JSON path in details.problems) or malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or unknown API key (ERR_UNAUTHORIZED) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource for this tenant */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The resource is not in a state that allows this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited (ERR_RATE_LIMITED); retry after the retry-after header */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal error (ERR_INTERNAL) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A backing store (Redis, PostgreSQL) is unreachable; retry later */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postSiteEvents: {
        parameters: {
            query?: {
                wait?: number;
            };
            header?: never;
            path: {
                siteId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EventBatchInput"];
            };
        };
        responses: {
            /** @description what a batch of events did */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EventsOutcome"];
                };
            };
            /** @description what a batch of events did */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EventsOutcome"];
                };
            };
            /** @description The request is invalid (ERR_INVALID_REQUEST lists every problem with its JSON path in details.problems) or malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or unknown API key (ERR_UNAUTHORIZED) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource for this tenant */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The resource is not in a state that allows this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body or the problem is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited (ERR_RATE_LIMITED); retry after the retry-after header */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal error (ERR_INTERNAL) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A backing store (Redis, PostgreSQL) is unreachable; retry later */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getSitePlan: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                siteId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description a site's current plan: the model request and response, and the OCPP messages */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SitePlan"];
                };
            };
            /** @description The request is invalid (ERR_INVALID_REQUEST lists every problem with its JSON path in details.problems) or malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or unknown API key (ERR_UNAUTHORIZED) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource for this tenant */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The resource is not in a state that allows this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited (ERR_RATE_LIMITED); retry after the retry-after header */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal error (ERR_INTERNAL) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A backing store (Redis, PostgreSQL) is unreachable; retry later */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listSiteSessions: {
        parameters: {
            query?: {
                state?: "active" | "ended" | "all";
            };
            header?: never;
            path: {
                siteId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SiteSessionList"];
                };
            };
            /** @description The request is invalid (ERR_INVALID_REQUEST lists every problem with its JSON path in details.problems) or malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or unknown API key (ERR_UNAUTHORIZED) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource for this tenant */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The resource is not in a state that allows this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited (ERR_RATE_LIMITED); retry after the retry-after header */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal error (ERR_INTERNAL) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A backing store (Redis, PostgreSQL) is unreachable; retry later */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    optimizationCompleted: {
        parameters: {
            query?: never;
            header: {
                /** @description the delivery id: the same on every attempt and redelivery (deduplicate on it) */
                "webhook-id": string;
                /** @description Unix seconds when this attempt was signed */
                "webhook-timestamp": string;
                /** @description v1,<base64 HMAC-SHA256 of `${webhook-id}.${webhook-timestamp}.${raw body}`> (Standard Webhooks) */
                "webhook-signature": string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["OptimizationCompletedEvent"];
            };
        };
        responses: {
            /** @description Gone: the endpoint is disabled and receives nothing more until re-enabled */
            410: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Received; not sent again */
            "2XX": {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    optimizationFailed: {
        parameters: {
            query?: never;
            header: {
                /** @description the delivery id: the same on every attempt and redelivery (deduplicate on it) */
                "webhook-id": string;
                /** @description Unix seconds when this attempt was signed */
                "webhook-timestamp": string;
                /** @description v1,<base64 HMAC-SHA256 of `${webhook-id}.${webhook-timestamp}.${raw body}`> (Standard Webhooks) */
                "webhook-signature": string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["OptimizationFailedEvent"];
            };
        };
        responses: {
            /** @description Gone: the endpoint is disabled and receives nothing more until re-enabled */
            410: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Received; not sent again */
            "2XX": {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    sitePlanUpdated: {
        parameters: {
            query?: never;
            header: {
                /** @description the delivery id: the same on every attempt and redelivery (deduplicate on it) */
                "webhook-id": string;
                /** @description Unix seconds when this attempt was signed */
                "webhook-timestamp": string;
                /** @description v1,<base64 HMAC-SHA256 of `${webhook-id}.${webhook-timestamp}.${raw body}`> (Standard Webhooks) */
                "webhook-signature": string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SitePlanUpdatedEvent"];
            };
        };
        responses: {
            /** @description Gone: the endpoint is disabled and receives nothing more until re-enabled */
            410: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Received; not sent again */
            "2XX": {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
}
