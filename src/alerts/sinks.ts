// The two HTTP sinks: a Standard Webhooks receiver (signed JSON notification) and a Slack incoming webhook.
import type { CidrSet } from '../net/cidr.js';
import { DELIVERY_DEFAULTS, Deliverer, type DeliveryDeps, type DeliverySettings } from './delivery.js';
import { slackMessage } from './slack.js';
import { webhookHeaders } from './standard-webhooks.js';

const JSON_HEADERS = Object.freeze({ 'content-type': 'application/json', 'user-agent': 'portcullis-alerts/1' });

/** Slack allows about one message a second per incoming webhook and answers 429 beyond. */
export const SLACK_DEFAULTS: DeliverySettings = Object.freeze({ ...DELIVERY_DEFAULTS, minIntervalMs: 1_000 });
export const WEBHOOK_DEFAULTS: DeliverySettings = DELIVERY_DEFAULTS;

export interface HttpSinkOptions {
  readonly name: string;
  readonly url: string;
  /** Private addresses the URL may resolve to (a receiver inside the network, by choice). */
  readonly allow: CidrSet;
  readonly settings?: Partial<DeliverySettings>;
}

export interface WebhookSinkOptions extends HttpSinkOptions {
  /** HMAC keys from parseSecrets: the current one first, old ones until receivers have the new one. */
  readonly keys: readonly Buffer[];
}

export function createWebhookSink(o: WebhookSinkOptions, deps: DeliveryDeps): Deliverer {
  if (o.keys.length === 0) throw new Error(`webhook sink ${o.name}: no signing key`);
  const keys = [...o.keys];
  return new Deliverer(
    o.name,
    {
      url: o.url,
      allow: o.allow,
      render: (n) => JSON.stringify(n),
      headers: (id, nowMs, body) => ({ ...JSON_HEADERS, ...webhookHeaders(keys, id, nowMs, body) }),
    },
    { ...WEBHOOK_DEFAULTS, ...o.settings },
    deps,
  );
}

export function createSlackSink(o: HttpSinkOptions, deps: DeliveryDeps): Deliverer {
  return new Deliverer(
    o.name,
    { url: o.url, allow: o.allow, render: (n) => JSON.stringify(slackMessage(n)), headers: () => JSON_HEADERS },
    { ...SLACK_DEFAULTS, ...o.settings },
    deps,
  );
}
