// Security response headers from config, built once as a frozen list (an empty value turns one off).
import type { GatewayConfig } from '../config/schema.js';

const NAMES: Readonly<Record<keyof GatewayConfig['security_headers'], string>> = {
  content_security_policy: 'content-security-policy',
  strict_transport_security: 'strict-transport-security',
  x_frame_options: 'x-frame-options',
  x_content_type_options: 'x-content-type-options',
  referrer_policy: 'referrer-policy',
  permissions_policy: 'permissions-policy',
  cross_origin_opener_policy: 'cross-origin-opener-policy',
  cross_origin_resource_policy: 'cross-origin-resource-policy',
};

export type HeaderList = readonly (readonly [string, string])[];

export function buildSecurityHeaders(c: GatewayConfig['security_headers']): HeaderList {
  const out: Array<readonly [string, string]> = [];
  for (const key of Object.keys(NAMES) as Array<keyof typeof NAMES>) {
    const v = c[key];
    if (v !== '') out.push(Object.freeze([NAMES[key], v] as const));
  }
  return Object.freeze(out);
}
