// Which addresses a client may send its token to: the configured endpoints (one URL or several
// HA replicas, comma-separated), a standby-named leader only when it is one of them and not a
// downgrade from https (docs/api.md, "Clients: retries and leader following"), and, for channels
// that carry keys, https only unless the development escape is set (docs/agent.md, "Key channel").
import { CLIENT_CODES, ComposerError } from './errors';

/**
 * The endpoints of an `endpoint` setting: one URL, or several (HA replicas) separated by commas.
 * `setting` and `hint` name where the value came from in the error.
 */
export function parseEndpoints(endpoint: string | undefined, setting = 'endpoint', hint = ' (set tessera:endpoint or TESSERA_ENDPOINT)'): string[] {
  const list = (endpoint ?? '').split(',').map((e) => e.trim().replace(/\/+$/, '')).filter((e) => e !== '');
  if (list.length === 0 || list.some((e) => !/^https?:\/\/[^\s/]+/.test(e))) {
    throw new ComposerError(`${setting}: must be an http(s) URL (or several, comma-separated), got ${JSON.stringify(endpoint ?? '')}${hint}`, 0, CLIENT_CODES.badConfig);
  }
  return [...new Set(list)];
}

/**
 * The endpoints of a channel that carries secrets beyond the token (LUKS keys): https only,
 * unless `insecureDev`. Throws a ComposerError (bad_config) naming `setting`, the plain URL and
 * `carries` (what would cross the network in clear).
 */
export function secureEndpoints(value: string, setting: string, carries: string, insecureDev = false): string[] {
  const endpoints = parseEndpoints(value, setting, '');
  const plain = endpoints.find((e) => e.startsWith('http:'));
  if (plain && !insecureDev) {
    throw new ComposerError(
      `${setting}: ${plain} is plain HTTP; ${carries} over this channel, so it must be https:// (trust a private CA with --ca-file); --insecure-dev allows http for a development lab`,
      0,
      CLIENT_CODES.badConfig,
    );
  }
  return endpoints;
}

/** An endpoint's identity: scheme, host and port (default ports elided, host lower-cased), path. */
export function endpointKey(url: string): string | undefined {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return undefined;
  }
}

/**
 * Whether a not_leader answer's `leader` may be followed from `current`. The bearer token goes
 * wherever the request goes, so a standby (or whatever answers in its name) must not be able to
 * send it to a host that is not one of the configured endpoints, nor from https onto plain http.
 * Returns the configured endpoint to use, or why the address is not followed.
 */
export function leaderToFollow(current: string, leader: string, configured: readonly string[]): { follow: string } | { refused: string } {
  const key = endpointKey(leader);
  if (current.startsWith('https:') && !leader.startsWith('https:')) return { refused: 'it would downgrade https to plain http' };
  const match = key === undefined ? undefined : configured.find((c) => endpointKey(c) === key);
  if (!match) return { refused: `it is not one of the configured endpoints (${configured.join(', ')}), and the token is sent only to those` };
  return { follow: match };
}
