import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";

const SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 32;

/** A new signing secret in the Standard Webhooks form `whsec_<base64 of 32 random bytes>`. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString("base64");
}

/** The three Standard Webhooks headers of one attempt. */
export interface SignatureHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/**
 * Sign `body` with every active secret: `webhook-signature` lists one
 * `v1,<base64 HMAC-SHA256>` per secret, space-separated, so a receiver that
 * holds either the old or the new secret verifies during a rotation.
 * Throws when there is no secret or one is not a valid `whsec_` secret.
 */
export function signatureHeaders(secrets: readonly string[], webhookId: string, at: Date, body: string): SignatureHeaders {
  const unique = [...new Set(secrets)];
  if (unique.length === 0) throw new Error("no active signing secret for this tenant");
  const signatures = unique.map((secret, i) => {
    let webhook: Webhook;
    try {
      webhook = new Webhook(secret);
    } catch (error) {
      throw new Error(`signing secret #${i + 1} is not a valid whsec_ secret (${(error as Error).message})`, { cause: error });
    }
    return webhook.sign(webhookId, at, body);
  });
  return {
    "webhook-id": webhookId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": signatures.join(" "),
  };
}
