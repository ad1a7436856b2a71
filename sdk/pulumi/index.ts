// Tessera's Pulumi SDK: Cluster, Volume, Slice and KeyPolicy (dynamic resources with typed args
// and outputs, generated from schema.json) and the ScaleOutCluster component.
export * from './resources.generated';
export * from './types.generated';
export { providerFor } from './runtime';
export { ScaleOutCluster, SCALE_OUT_TYPE } from './scaleout';
export type { ScaleOutClusterArgs, VolumeTemplate, SliceTemplate, CompositionRow } from './scaleout';
export { getCapacity, getInventory } from './datasources';
export type { DataSourceOptions } from './datasources';
