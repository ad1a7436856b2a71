// The composer API client: one transport (provider/client/transport.ts) and its facades — the
// resource client for the providers and the CLI, the agent channel for the agent daemon.
export { CLIENT_CODES, ComposerError, namedLeader, problemToError } from './errors';
export { endpointKey, leaderToFollow, parseEndpoints, secureEndpoints } from './endpoints';
export { bufferUpload, type UploadBody } from './upload';
export {
  DEFAULT_RETRY,
  Transport,
  backoffMs,
  encodeQuery,
  retryAfterMs,
  retryDelayMs,
  type ComposerResponse,
  type ConnectionConfig,
  type Method,
  type RequestOptions,
  type RetryPolicy,
} from './transport';
export { ComposerClient } from './resources';
export { CHANNEL_RETRY, ChannelClient, type ChannelConnection } from './channel';
export { AgentClient, agentEndpoints, type AgentConnection } from './agent';
