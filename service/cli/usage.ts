/** The service commands' help, shown by `wattplan help` without loading the service. */
export const SERVICE_USAGE = `Job service (docs/service.md):
  serve [--port N] [--host H] [--concurrency N]  API and a worker in one process
  api | worker                                  only the API, or only a worker (any number share one Redis)
  keys create --tenant NAME [--file PATH]       a new API key, printed once, its hash added to WATTPLAN_TENANTS_FILE
  keys secret --tenant NAME [--file PATH]       the tenant's webhook secrets (a new tenant's is also shown by create)
  demo [--strategy NAME]                        submit examples/depot-v2g.json with a webhook, verify it, summarize`;
