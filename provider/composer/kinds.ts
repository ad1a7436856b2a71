// The composer's one list of kind strings: resource collections, their schema.json types, the
// words answers use for them, id prefixes, which collections are volume-like, and the labels an
// operation or a metered mutation may carry. Every other composer module names kinds through
// this file (docs/operations.md "Kinds").
import type { Assignment, ResourceKind } from '../api/contract';

export const RESOURCE_KINDS: ResourceKind[] = ['clusters', 'volumes', 'slices', 'key-policies'];

/** The schema.json resource type that validates each collection. */
export const RESOURCE_TYPE: Record<ResourceKind, string> = {
  clusters: 'tessera_cluster',
  volumes: 'tessera_volume',
  slices: 'tessera_slice',
  'key-policies': 'tessera_key_policy',
};

/** How an answer names one object of the collection ("volume vol-… not found"). */
export const WHAT: Record<ResourceKind, string> = { clusters: 'cluster', volumes: 'volume', slices: 'slice', 'key-policies': 'key policy' };

/** Id prefixes (layout.ts newId). */
export const ID_PREFIX: Record<ResourceKind, string> = { clusters: 'cls', volumes: 'vol', slices: 'slc', 'key-policies': 'kp' };

/** The collections whose objects hold drives and are staged by agents. */
export type VolumeKind = 'volumes' | 'slices';
export const isVolumeKind = (k: string): k is VolumeKind => k === 'volumes' || k === 'slices';

/** What sets the two volume-like collections apart; code asks these, not the kind string. */
export interface VolumeKindTraits {
  /** The assignment kind its agent sees. */
  assignment: Assignment['kind'];
  /** May be encrypted under a key policy (key epochs, derived volume keys). */
  keyed: boolean;
  /** Carries a filesystem and a mount path (a slice is handed over as a raw block device). */
  filesystem: boolean;
  /** Honours reclaimPolicy Retain on delete (drives kept until purged). */
  retainable: boolean;
  /** One extent on one drive: no type, striping, mirroring or RAID choice in its placement. */
  singleExtent: boolean;
}

export const VOLUME_KINDS: Record<VolumeKind, VolumeKindTraits> = {
  volumes: { assignment: 'volume', keyed: true, filesystem: true, retainable: true, singleExtent: false },
  slices: { assignment: 'slice', keyed: false, filesystem: false, retainable: false, singleExtent: true },
};

/**
 * What a journal entry or a metered mutation is about: a resource collection, the inventory (a
 * load) or the servers (agent registrations: metered, not journaled).
 */
export type OperationResource = ResourceKind | 'inventory' | 'servers';
