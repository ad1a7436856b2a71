// The composer's REST contract (/v1), shared by the composer, the agent, the resource handlers
// and the CLI. Attribute names are schema.json's (camelCase). The messages, enums, problem codes
// and routes are described once in wire.json (docs/wire-format.md) and generated into
// wire.generated.ts; the resources' schema.json attributes into resources.generated.ts (both
// `npm run gen`). This module composes the resource objects from the two and re-exports both.
import type { Inventory } from '../model/inventory';
import type { Collection } from '../schema';
import type { ClusterAttributes, KeyPolicyAttributes, SliceAttributes, VolumeAttributes } from './resources.generated';
import type { DryRunAccepted, DryRunPlacement, KeyPolicyOutputs, SliceOutputs, VolumeOutputs } from './wire.generated';

export * from './wire.generated';

export const API_PREFIX = '/v1';

/**
 * Response header on every composer answer: the identity created with its store. Clients that
 * recorded it tell "not found here" from "not found on the composer that made it" (docs/api.md
 * "Composer identity").
 */
export const COMPOSER_ID_HEADER = 'tessera-composer-id';

/**
 * The composer's API version, on every answer in API_VERSION_HEADER. It changes only with an
 * incompatible change of /v1 (CHANGELOG.md, semver major); providers and SDKs built for another
 * refuse to talk to it with a message naming both (provider/client/transport.ts, docs/install.md).
 */
export const API_VERSION = 1;
export const API_VERSION_HEADER = 'tessera-api-version';

// Every route with its parameters, bodies and problem codes: wire.json `routes`, served as the
// OpenAPI document at /openapi.json (provider/api/openapi.generated.json).

/** A resource collection (/v1/<kind>): the kinds registry's, from schema.json. */
export type ResourceKind = Collection;

export interface ObjectMeta {
  id: string;
  /** Free text set by the caller: a Pulumi URN or a Terraform address. */
  owner?: string;
  createdAt: string;
  updatedAt: string;
}

/** A cluster: its schema.json attributes (resources.generated.ts) plus the object metadata. */
export type Cluster = ObjectMeta & ClusterAttributes;

/** A volume: its schema.json attributes, narrowed and extended by wire.json's resourceOutputs. */
export interface Volume extends ObjectMeta, Omit<VolumeAttributes, keyof VolumeOutputs>, VolumeOutputs {}

export interface Slice extends ObjectMeta, Omit<SliceAttributes, keyof SliceOutputs>, SliceOutputs {}

// `secret` is accepted on create/PATCH and NEVER returned (schema.json marks it sensitive).
export interface KeyPolicy extends ObjectMeta, Omit<KeyPolicyAttributes, keyof KeyPolicyOutputs>, KeyPolicyOutputs {}

/**
 * A dry-run create: nothing is stored or reserved, so no id is made up. Volumes and slices carry
 * the placement they would get; clusters and key policies only say the request was accepted.
 */
export type DryRunResponse = DryRunPlacement | DryRunAccepted;

export type { Inventory };
