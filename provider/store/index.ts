// The store package: one contract, two implementations, the URL opener and leader election.
export * from './store';
export * from './errors';
export { MAX_TXN_OPS } from './validate';
export { SqliteStore, type SqliteStoreOptions } from './sqlite';
export { EtcdStore, type EtcdStoreOptions } from './etcd';
export { openStore, parseStoreUrl, type OpenStoreOptions, type ParsedStoreUrl } from './open';
export { campaign, type CampaignOptions, type Leadership, type LeaderState } from './leader';
export { ensureStoreIdentity } from './identity';
