// The handlers' import path for the composer client: the resource facade over the one transport
// (provider/client/, docs/architecture.md "Client").
export { ComposerClient } from '../client';
