// The agent's side of the composer's agent channel (provider/api/contract.ts), over axios.
// The token goes in the Authorization header only; key responses are decoded to Buffers and
// never logged.
import axios, { AxiosInstance, isAxiosError } from 'axios';
import * as http from 'node:http';
import type { AgentFacts, AssignmentsResponse, Inventory, ObservedState, ServerStatus, VolumeKey } from '../api/contract';
import { API_PREFIX } from '../api/contract';
import type { KeySource, VolumeKeyMaterial } from './keys';

export class ComposerError extends Error {
  constructor(readonly status: number | undefined, message: string) {
    super(message);
    this.name = 'ComposerError';
  }
}

function describe(e: unknown, what: string): ComposerError {
  if (isAxiosError(e)) {
    const status = e.response?.status;
    const body = e.response?.data as { code?: string; detail?: string } | undefined;
    const why = body?.detail ? `${body.code ?? status}: ${body.detail}` : e.code ?? e.message;
    return new ComposerError(status, `${what}: ${status ? `HTTP ${status} ` : ''}${why}`);
  }
  return new ComposerError(undefined, `${what}: ${(e as Error).message}`);
}

export class ComposerClient implements KeySource {
  private readonly http: AxiosInstance;
  private readonly base: string;
  constructor(url: string, token: string, private readonly server: string) {
    this.base = `${API_PREFIX}/agents/${encodeURIComponent(server)}`;
    this.http = axios.create({
      baseURL: url.replace(/\/$/, ''),
      headers: { authorization: `Bearer ${token}` },
      timeout: 15_000,
      // Keep-alive: a thousand simulated agents in one process share sockets per composer.
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
      validateStatus: (s) => s >= 200 && s < 300,
    });
  }

  async register(facts: AgentFacts): Promise<ServerStatus> {
    try {
      return (await this.http.post<ServerStatus>(`${this.base}/register`, facts)).data;
    } catch (e) {
      throw describe(e, `register ${this.server}`);
    }
  }

  async heartbeat(): Promise<void> {
    try {
      await this.http.post(`${this.base}/heartbeat`);
    } catch (e) {
      throw describe(e, `heartbeat ${this.server}`);
    }
  }

  /** Long poll: returns when the server's assignments change past `since`, or after waitSeconds. */
  async assignments(since: number | undefined, waitSeconds: number, signal?: AbortSignal): Promise<AssignmentsResponse> {
    const params: Record<string, number> = { waitSeconds };
    if (since !== undefined) params.since = since;
    try {
      return (await this.http.get<AssignmentsResponse>(`${this.base}/assignments`, { params, signal, timeout: (waitSeconds + 15) * 1000 })).data;
    } catch (e) {
      throw describe(e, `assignments of ${this.server}`);
    }
  }

  async report(volumeId: string, state: ObservedState): Promise<void> {
    try {
      await this.http.put(`${this.base}/status/${encodeURIComponent(volumeId)}`, state);
    } catch (e) {
      throw describe(e, `status of ${volumeId}`);
    }
  }

  async get(volumeId: string, version?: number): Promise<VolumeKeyMaterial> {
    try {
      const r = await this.http.get<VolumeKey>(`${this.base}/keys/${encodeURIComponent(volumeId)}`, {
        params: version === undefined ? {} : { version },
      });
      const k = r.data;
      return { version: k.version, cipher: k.cipher, keySizeBits: k.keySizeBits, key: Buffer.from(k.key, 'base64') };
    } catch (e) {
      throw describe(e, `key of ${volumeId}${version === undefined ? '' : ` version ${version}`}`);
    }
  }

  async inventory(): Promise<Inventory> {
    try {
      return (await this.http.get<Inventory>(`${API_PREFIX}/inventory`)).data;
    } catch (e) {
      throw describe(e, 'inventory');
    }
  }
}
