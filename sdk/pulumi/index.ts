// Tessera's Pulumi SDK: Cluster, Volume, Slice and KeyPolicy (dynamic resources with typed args
// and outputs, generated from schema.json) and the ScaleOutCluster component.
export * from './resources.generated';
export * from './types.generated';
export { providerFor } from './runtime';
