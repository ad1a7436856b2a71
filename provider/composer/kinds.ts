// The composer's view of the kinds registry (provider/schema, generated from schema.json):
// resource collections, their schema.json types, the words answers use for them, id prefixes,
// which collections are volume-like, and the labels an operation or a metered mutation may carry.
// What schema.json cannot say (how an agent stages a placed kind) is the traits table below.
// Every other composer module names kinds through this file (docs/operations.md "Kinds").
import type { Assignment, ResourceKind } from '../api/contract';
import { COLLECTIONS, KINDS, type PlacedCollection, type ResourceType, TYPE_OF_COLLECTION } from '../schema';

export const RESOURCE_KINDS: readonly ResourceKind[] = COLLECTIONS;

/** The schema.json resource type that validates each collection. */
export const RESOURCE_TYPE: Readonly<Record<ResourceKind, ResourceType>> = TYPE_OF_COLLECTION;

const byCollection = <T>(pick: (k: (typeof KINDS)[ResourceType]) => T): Record<ResourceKind, T> =>
  Object.fromEntries(COLLECTIONS.map((c) => [c, pick(KINDS[TYPE_OF_COLLECTION[c]])])) as Record<ResourceKind, T>;

/** How an answer names one object of the collection ("volume vol-… not found"): the kind's label. */
export const WHAT: Readonly<Record<ResourceKind, string>> = byCollection((k) => k.label);

/** Id prefixes (layout.ts newId). */
export const ID_PREFIX: Readonly<Record<ResourceKind, string>> = byCollection((k) => k.idPrefix);

/** The collections whose objects hold drives and are staged by agents (schema.json `placed`). */
export type VolumeKind = PlacedCollection;
export const isVolumeKind = (k: string): k is VolumeKind => Object.hasOwn(TYPE_OF_COLLECTION, k) && KINDS[TYPE_OF_COLLECTION[k as ResourceKind]].placed;

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
  /**
   * One extent on one drive: no type, striping, mirroring or RAID choice in its placement. The
   * kinds whose every object has one placement type (schema.json `placementType`).
   */
  singleExtent: boolean;
}

/** How agents stage each placed kind: behaviour of the composer and agents, not of the model. */
const STAGING: Record<VolumeKind, Omit<VolumeKindTraits, 'singleExtent'>> = {
  volumes: { assignment: 'volume', keyed: true, filesystem: true, retainable: true },
  slices: { assignment: 'slice', keyed: false, filesystem: false, retainable: false },
};

export const VOLUME_KINDS: Readonly<Record<VolumeKind, VolumeKindTraits>> = {
  volumes: { ...STAGING.volumes, singleExtent: KINDS[TYPE_OF_COLLECTION.volumes].placementType !== undefined },
  slices: { ...STAGING.slices, singleExtent: KINDS[TYPE_OF_COLLECTION.slices].placementType !== undefined },
};

/**
 * What a journal entry or a metered mutation is about: a resource collection, the inventory (a
 * load) or the servers (agent registrations: metered, not journaled).
 */
export type OperationResource = ResourceKind | 'inventory' | 'servers';
