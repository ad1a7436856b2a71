// The shape of provider/api/wire.json, the one description of the composer's messages, problem
// codes and routes (docs/wire-format.md). scripts/gen/wire.ts reads it to generate the types,
// the validators' tables and the OpenAPI document; nothing at run time reads wire.json itself.
import raw from './wire.json';

/** A JSON Schema subset (docs/wire-format.md, "Messages"). */
export interface WireSchema {
  description?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  /** Another message or enum of wire.json, or a name another source supplies (docs/wire-format.md). */
  $ref?: string;
  enum?: readonly (string | number | boolean)[];
  properties?: Record<string, WireSchema>;
  required?: readonly string[];
  /** true: further fields are accepted and dropped; a schema: a map's values; absent/false: refused. */
  additionalProperties?: boolean | WireSchema;
  /** A message whose properties and required fields this one adds to. */
  extends?: string;
  items?: WireSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  /** Documentation only (date-time, byte): not checked. */
  format?: string;
  default?: unknown;
}

export interface EnumDescription {
  values: readonly string[];
  description: string;
}

export interface ProblemDescription {
  status: number;
  /** Answered with Retry-After (1 s unless the raiser says otherwise). */
  retryAfter?: boolean;
  description: string;
}

export interface ResponseDescription {
  description?: string;
  message?: string;
  /** A list page of this message: `{ items, nextCursor? }` (docs/api.md "Lists and pages"). */
  page?: string;
  oneOf?: readonly string[];
  text?: boolean;
  any?: boolean;
  headers?: Record<string, { enum: readonly string[] }>;
}

/** Who may call a route (docs/wire-format.md "Routes"); agent and enclosure are scoped to the path's `{server}` or `{enclosure}`. */
export const ROUTE_AUTHS = ['none', 'read', 'inventory', 'resources', 'agent', 'enclosure'] as const;
export type RouteAuth = (typeof ROUTE_AUTHS)[number];

export interface RouteDescription {
  /** The OpenAPI operationId; `{Kind}` in a resource route's. */
  id: string;
  method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** `{kind}` is a resource collection of schema.json; other `{name}`s are path parameters. */
  path: string;
  summary?: string;
  auth: RouteAuth;
  write?: boolean;
  tlsOnly?: boolean;
  body?: { message: string; limitBytes: number; mergePatch?: boolean };
  query?: Record<string, WireSchema>;
  /** The query string is this schema.json data source's inputs (lists comma-separated). */
  queryFrom?: string;
  /** Takes `limit` and `cursor` (provider/composer/paging.ts). */
  paged?: boolean;
  responses: Record<string, ResponseDescription>;
  /** Codes the handler answers, besides those the HTTP layer adds (docs/wire-format.md). */
  problems?: readonly string[];
  /** Route-specific words for a code. */
  notes?: Record<string, string>;
  /** Per resource kind of a `{kind}` route: replaces summary and query entries, responses; adds problems and notes. */
  byKind?: Record<string, Partial<Omit<RouteDescription, 'byKind' | 'id' | 'method' | 'path'>>>;
}

export interface WireDescription {
  description: string;
  pathParams: { pattern: string; names: Record<string, string> };
  enums: Record<string, EnumDescription>;
  messages: Record<string, WireSchema>;
  /** What the composer adds to schema.json's outputs of each resource kind. */
  resourceOutputs: Record<string, { properties: Record<string, WireSchema>; required: readonly string[] }>;
  problems: Record<string, ProblemDescription>;
  routes: readonly RouteDescription[];
}

export const wire = raw as unknown as WireDescription;
