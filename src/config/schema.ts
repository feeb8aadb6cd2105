// gateway.yaml schema: types and defaults in one place; unknown keys are rejected everywhere.
import { z } from 'zod';
import { parseCidr } from '../net/cidr.js';
import { storeSchema } from '../store/config.js';
import { identitySchema } from '../identity/config.js';
import { rateLimitsSchema } from '../ratelimit/config.js';
import { signaturesConfigSchema } from '../signatures/config.js';
import { crsConfigSchema } from '../crs/config.js';
import { geoSchema } from '../geo/config.js';
import { probingSchema } from '../checks/probing-config.js';
import { budgetsSchema } from '../budget/config.js';
import { admissionSchema } from '../admission/config.js';
import { behaviourSchema } from '../behaviour/config.js';
import { costSchema } from '../cost/config.js';
import { decisionsSchema, reputationSchema } from '../reputation/config.js';
import {
  bytes,
  MAX_BYTES,
  MAX_CACHE_ENTRIES,
  MAX_CONNECTIONS,
  MAX_INTERVAL_S,
  MAX_SCORE,
  MAX_TIMEOUT_MS,
  timeoutMs,
} from './limits.js';
import { restartOnly } from './lifetimes.js';
import { canariesSchema, svgSchema } from '../response/config.js';
import { compileSchema } from '../proxy/compile-config.js';
import { pathString } from './paths.js';
import { trustSchema } from '../trust/config.js';
import { incidentsSchema } from '../incidents/config.js';

const port = z.number().int().min(0).max(65535);
const mode = z.enum(['enforce', 'monitor', 'off']);
const positiveMs = timeoutMs();

/** The config's grammar for an address or CIDR: src/net's, with zero-padded octets and zone ids refused. */
export function isCidrOrIp(s: string): boolean {
  return parseCidr(s, false) !== null;
}

const cidr = z.string().refine(isCidrOrIp, { message: 'expected an IP address or CIDR (e.g. 10.0.0.0/8)' });

const listen = (host: string, p: number) =>
  z.strictObject({ host: z.string().min(1).default(host), port: port.default(p) }).prefault({});

const routeSchema = z.strictObject({
  /** Name used in metrics and events (bounded label). */
  name: z.string().regex(/^[a-z0-9_.-]{1,64}$/i, 'route names are 1-64 of [A-Za-z0-9_.-]'),
  /** HTTP methods; '*' for any. */
  methods: z
    .array(z.string().regex(/^([A-Z]+|\*)$/, 'methods are upper-case tokens or *'))
    .min(1)
    .default(['*']),
  /** Exact canonical path, or a prefix ending in '/*'. */
  path: z.string().regex(/^\/[^?#\s]*$/, 'paths start with / and carry no query'),
  /** Buffer and inspect the request body (else it is streamed through untouched). */
  inspect_body: z.boolean().default(false),
  max_body_bytes: z.number().int().nonnegative().max(MAX_BYTES).default(1_048_576),
  /** Allowed request content types (media type only, lower case); empty: any. */
  content_types: z.array(z.string().regex(/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/)).default([]),
  /** Fields that hold code (TeX): longer limit, TeX rules apply. */
  code_fields: z.array(z.string().min(1)).default(['tikz_code']),
  max_field_chars: bytes().default(10_000),
  max_code_field_bytes: bytes().default(102_400),
  max_batch_items: z.number().int().positive().max(1_000_000).default(100),
  /** Bounded: deeper documents are refused long before a parser's recursion could matter. */
  max_json_depth: z.number().int().positive().max(1000).default(32),
  /** Upstream answer caps for this route (defaults from upstream.*). */
  max_response_bytes: bytes().optional(),
  response_timeout_ms: positiveMs.optional(),
  /** Total score at which the decide phase refuses (403), and challenges (401). */
  deny_score: z.number().positive().max(MAX_SCORE).default(100),
  challenge_score: z.number().positive().max(MAX_SCORE).optional(),
  /** SVG inspection of the route's answers (src/response/config.ts; docs/configuration.md, "Response phase"). */
  svg: svgSchema.optional(),
  /** Strings whose presence in any answer of the route refuses it: data leaving the server. */
  canaries: canariesSchema.optional(),
  /** A compile route: how each answer's outcome is read and reported (src/proxy/compile-config.ts). */
  compile: compileSchema.optional(),
});

export type RouteConfig = z.infer<typeof routeSchema>;

/**
 * Security response headers. The defaults are the ones that protect an SVG API: CSP stops script in a
 * compiled SVG opened directly, nosniff stops content sniffing, frame-ancestors/X-Frame-Options stop
 * framing. The others are one line away: HSTS belongs where TLS ends (browsers ignore it over plain HTTP),
 * Permissions-Policy and COOP govern documents rather than images, and CORP depends on how the SVGs are
 * embedded (same-origin would break a frontend on another origin). Every header costs on every response.
 */
const securityHeaders = z
  .strictObject({
    content_security_policy: z
      .string()
      .default("default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'none'"),
    strict_transport_security: z.string().default(''),
    x_frame_options: z.string().default('DENY'),
    x_content_type_options: z.string().default('nosniff'),
    referrer_policy: z.string().default('no-referrer'),
    permissions_policy: z.string().default(''),
    cross_origin_opener_policy: z.string().default(''),
    cross_origin_resource_policy: z.string().default(''),
  })
  .prefault({});

const checkBase = { mode: mode.default('enforce') };

export const configSchema = z.strictObject({
  version: z.literal(1).default(1),
  server: z
    .strictObject({
      listen: restartOnly(listen('0.0.0.0', 8080), 'the listening socket is bound once, at start'),
      trusted_proxies: z.array(cidr).default([]),
      /** Slowloris guards: whole header block, whole body, idle keep-alive. */
      headers_timeout_ms: positiveMs.default(10_000),
      body_timeout_ms: positiveMs.default(30_000),
      keep_alive_timeout_ms: positiveMs.default(65_000),
      max_header_bytes: restartOnly(
        z.number().int().min(1024).max(1_048_576).default(16_384),
        "Node's HTTP server takes it when the server is created",
      ),
      /** Global in-flight cap: beyond it, 503 with Retry-After. */
      max_inflight: z.number().int().positive().max(MAX_CONNECTIONS).default(1024),
      /**
       * Slow bodies (docs/configuration.md): a body still arriving after `grace_ms` must have come at least at
       * `min_bytes_per_s` on average (else 408 request:body_too_slow), and bodies still arriving may hold at most
       * `max_share` of max_inflight (else 503 gateway:slow_bodies), so clients that send their request at once
       * always find a slot. min_bytes_per_s: 0 turns the rate off.
       */
      slow_bodies: z
        .strictObject({
          min_bytes_per_s: z.number().int().nonnegative().max(MAX_BYTES).default(1024),
          grace_ms: positiveMs.default(5_000),
          max_share: z.number().positive().max(1).default(0.5),
        })
        .prefault({}),
      overload_retry_after_s: z.number().int().positive().max(MAX_INTERVAL_S).default(1),
      request_id_header: z.string().default('x-request-id'),
      /** Match routes ignoring case, so /COMPILE cannot dodge the /compile policy on case-insensitive upstreams. */
      case_insensitive_routes: z.boolean().default(true),
      /**
       * SIGTERM: /readyz says not ready, then (after drain_notice_ms) new connections are refused, requests in
       * flight get up to this long (counted from the signal), then those not answered yet get a 503.
       */
      drain_timeout_ms: z.number().int().nonnegative().max(MAX_TIMEOUT_MS).default(10_000),
      /**
       * SIGTERM: how long /readyz says not ready while the listener still accepts (answering with Connection:
       * close), so a load balancer stops sending before connections are refused. Part of drain_timeout_ms.
       */
      drain_notice_ms: z.number().int().nonnegative().max(MAX_TIMEOUT_MS).default(0),
    })
    .prefault({}),
  upstream: z.strictObject({
    url: z.url({ protocol: /^https?$/ }),
    connections: z.number().int().positive().max(MAX_CONNECTIONS).default(128),
    /** Time to the upstream's response headers, and between body chunks. */
    timeout_ms: positiveMs.default(45_000),
    max_response_bytes: bytes().default(10_485_760),
    health_path: z.string().startsWith('/').default('/health'),
    health_cache_ms: positiveMs.default(2_000),
    /** The health path is also probed in the background this often (portcullis_upstream_up without /readyz). */
    health_interval_ms: positiveMs.default(5_000),
  }),
  admin: z
    .strictObject({
      listen: restartOnly(listen('127.0.0.1', 9091), 'the admin socket is bound once, at start'),
      /** Bearer tokens for /admin/api (several for rotation); none: the API is off. Empty strings are ignored. */
      tokens: z.array(z.string()).default([]),
    })
    .prefault({}),
  routes: z.array(routeSchema).default([]),
  /** Requests that match no route: refuse with a status, or forward as an uninspected stream. */
  unmatched: z
    .strictObject({
      action: z.enum(['refuse', 'forward']).default('refuse'),
      status: z.number().int().min(400).max(599).default(404),
    })
    .prefault({}),
  refusals: z
    .strictObject({
      /**
       * What a refused client is told: reason codes, their categories (modules), or nothing. Category by
       * default: a rule code tells an attacker which rule fired, and so what to change; operators opt into codes.
       */
      disclose: z.enum(['codes', 'category', 'none']).default('category'),
    })
    .prefault({}),
  security_headers: securityHeaders,
  /** Per-check settings; each check has at least a mode. */
  checks: z
    .strictObject({
      /** Fixed header hygiene rules (demo-grade; real checks come with their modules). */
      headers: z
        .strictObject({
          ...checkBase,
          /** Request headers that must be present (lower case). */
          require: z.array(z.string()).default([]),
          /** Header names whose presence refuses the request (lower case). */
          forbid: z.array(z.string()).default([]),
        })
        .prefault({}),
      /** Threat signatures and the positive model (src/signatures/config.ts). */
      signatures: signaturesConfigSchema,
      /** Clients probing unmatched paths, refused for a while (src/checks/probing-config.ts). */
      probing: probingSchema,
      /** The OWASP Core Rule Set on every target that is not a code field (src/crs/config.ts); off by default. */
      crs: crsConfigSchema,
      /** Compile seconds per client and tier, per hour and day, charged with what compiles cost (docs/admission.md). */
      budgets: budgetsSchema,
      /** The cap on compiles in flight to the compile service, its queue by tier, shedding (docs/admission.md). */
      admission: admissionSchema,
      /** Behavioural analytics per client, kept in the store with decay (src/behaviour/config.ts); off by default. */
      behaviour: behaviourSchema,
      /** The compile-cost estimate of code fields, refused or sent to the slow lane over a tier's maximum (src/cost/config.ts). */
      cost: costSchema,
    })
    .prefault({}),
  /** Shared state: memory (one instance) or Redis (src/store/config.ts). */
  store: restartOnly(storeSchema, 'every instance shares its state through the store opened at start'),
  /** Who is asking: API keys, JWTs, IP grouping (src/identity/config.ts). */
  identity: identitySchema,
  /** Rate tiers, quotas and in-flight caps (src/ratelimit/config.ts). */
  rate_limits: rateLimitsSchema,
  /** Country, ASN and anonymizer rules from MaxMind-format databases (src/geo/config.ts). */
  geo: geoSchema,
  /** Allow/deny/bypass lists and threat feeds (src/reputation/config.ts). */
  reputation: reputationSchema,
  /** Blocks shared through the Store, escalation, automatic blocks, audit log (src/reputation/config.ts). */
  decisions: decisionsSchema,
  /** The trust score: components, thresholds per route, allow / challenge / deny (src/trust/config.ts). */
  trust: trustSchema,
  /** Incidents: severity rules, the actions of each severity, alerts (src/incidents/config.ts); off by default. */
  incidents: incidentsSchema,
  logging: restartOnly(
    z
      .strictObject({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        /** Security events: 'stdout', 'stderr', or a file path. */
        events: pathString('write', ['stdout', 'stderr']).default('stdout'),
        /** Access log, one JSON line per request: 'off' (default), 'stdout', 'stderr', or a file path. */
        access: pathString('write', ['off', 'stdout', 'stderr']).default('off'),
        /** Security events kept in memory for GET /admin/api/events (the most recent; 0: the API lists none). */
        recent_events: z.number().int().nonnegative().max(MAX_CACHE_ENTRIES).default(5000),
      })
      .prefault({}),
    'the logger and the event destination are opened once, at start',
  ),
});

export type GatewayConfig = z.infer<typeof configSchema>;
