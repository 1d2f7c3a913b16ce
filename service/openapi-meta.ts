/**
 * Annotations for the OpenAPI document (service/api/openapi.ts) that change
 * no validation. `documentedAs(id)` documents a loosely validated field (say a
 * `z.record` read back from storage) as the named component `id`, which must
 * be registered with `.meta({ id })`; the document shows the component.
 */
export const DOC_REF = "x-wattplan-documented-as";

export const documentedAs = (id: string): Record<string, string> => ({ [DOC_REF]: id });
