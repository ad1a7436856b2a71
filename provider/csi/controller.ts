// The CSI Controller service over the composer (docs/csi.md "Controller"). Every allocation goes
// through the composer's REST API via ComposerClient: CreateVolume is POST /v1/volumes (the
// composer is idempotent by (cluster, name, owner)), ControllerPublish is the volume's `server`
// (the assignment the agent stages), ControllerExpand is a `sizeGiB` PATCH of a slice volume.
import { status } from '@grpc/grpc-js';
import type { ComposerClient } from '../client';
import { ComposerError } from '../client';
import { PROBLEM } from '../api/wire.generated';
import type { VolumeAttributes } from '../api/resources.generated';
import { CAPACITY_QUERY, type VolumeAttribute } from '../schema';

/** The attribute a topology choice sets (and a placement refusal for it names). */
const SERVER: VolumeAttribute = 'server';
import { CsiError, fromComposer, invalid } from './errors';
import { GIB, composerName, sizeFromRange, volumeRequest } from './params';
import { capabilityProblem, type VolumeCapability } from './capabilities';
import { KEY_POLICY_SECRET, redacted } from './secrets';
import { candidateServers, volumeTopology, type TopologyInventory, type TopologyRequirement, type TopologyServer } from './topology';

type Volume = VolumeAttributes & { id: string; owner?: string };
const EXISTS = Symbol('exists');

export interface ControllerOptions {
  client: ComposerClient;
  /** Logical cluster used when a StorageClass names none. */
  defaultCluster?: string;
  /** Owner recorded for volumes made without --extra-create-metadata; also marks them as the driver's. */
  owner: string;
}

const CAPABILITIES = ['CREATE_DELETE_VOLUME', 'PUBLISH_UNPUBLISH_VOLUME', 'LIST_VOLUMES', 'GET_CAPACITY', 'EXPAND_VOLUME', 'LIST_VOLUMES_PUBLISHED_NODES'];


/** Is this owner one the driver records (so the driver may delete the volume)? */
export function csiOwned(owner: string | undefined, driverOwner: string): boolean {
  return owner === driverOwner || (owner ?? '').startsWith('k8s:');
}

function isNotFound(err: unknown): boolean {
  return err instanceof ComposerError && err.code === PROBLEM.notFound;
}

export class Controller {
  private readonly clusterIds = new Map<string, string>();
  constructor(private readonly o: ControllerOptions) {}

  private async getVolume(id: string): Promise<Volume | undefined> {
    if (!/^[A-Za-z0-9._:-]{1,128}$/.test(id)) return undefined; // never a composer id: nothing to find
    try {
      return (await this.o.client.request<Volume>('GET', `/v1/volumes/${encodeURIComponent(id)}`)).data;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw fromComposer(err, `volume ${id}`);
    }
  }

  /** The cluster's id, created on the first volume with every server of the inventory as member. */
  private async clusterId(name: string): Promise<string> {
    const known = this.clusterIds.get(name);
    if (known) return known;
    const c = this.o.client;
    try {
      const found = (await c.listAll<{ id: string; name: string }>('/v1/clusters')).find((x) => x.name === name);
      let id = found?.id;
      if (!id) {
        const inv = (await c.request<{ servers: { name: string }[] }>('GET', '/v1/inventory')).data;
        const made = await c.request<{ id: string }>('POST', '/v1/clusters', { body: { name, servers: inv.servers.map((s) => s.name), owner: this.o.owner } });
        id = made.data.id;
      }
      this.clusterIds.set(name, id);
      return id;
    } catch (err) {
      throw fromComposer(err, `cluster ${name}`);
    }
  }

  private async inventory(): Promise<TopologyInventory> {
    try {
      return (await this.o.client.request<TopologyInventory>('GET', '/v1/inventory')).data;
    } catch (err) {
      throw fromComposer(err, 'inventory');
    }
  }

  /** The cluster's servers with their bandwidth domains (from the inventory). */
  private async clusterServers(clusterId: string, inv: TopologyInventory): Promise<TopologyServer[]> {
    try {
      const c = (await this.o.client.request<{ servers: string[] }>('GET', `/v1/clusters/${encodeURIComponent(clusterId)}`)).data;
      return inv.servers.filter((s) => c.servers.includes(s.name)).map((s) => ({ name: s.name, bandwidthDomain: s.bandwidthDomain }));
    } catch (err) {
      throw fromComposer(err, `cluster ${clusterId}`);
    }
  }

  /**
   * The first candidate server the composer's dry run accepts (the same placement rules as the
   * create itself), `exists` when a volume of this name is already there (a repeated CreateVolume:
   * the caller keeps its assignment), or RESOURCE_EXHAUSTED with every candidate's reason.
   */
  private async chooseServer(body: Record<string, unknown>, candidates: string[]): Promise<string | typeof EXISTS> {
    const reasons: string[] = [];
    for (const server of candidates) {
      try {
        await this.o.client.request('POST', '/v1/volumes', { query: { dryRun: true }, body: { ...body, server } });
        return server;
      } catch (err) {
        if (err instanceof ComposerError && err.code === PROBLEM.conflictExists) return EXISTS;
        const e = fromComposer(err, server);
        // A placement that does not fit this server: try the next one. Anything else (a bad
        // parameter, auth, the composer down) is the answer for every server.
        if (e.code !== status.RESOURCE_EXHAUSTED && !(err instanceof ComposerError && err.fieldErrors.some((f) => f.field === SERVER))) throw e;
        reasons.push(e.message);
      }
    }
    throw new CsiError(status.RESOURCE_EXHAUSTED, `accessibility_requirements: no server of the accessible topology can take the volume: ${reasons.join('; ')}`);
  }

  /** The server of the cluster's volume of this name, or null (unassigned or absent). */
  private async existingServer(cluster: string, name: string): Promise<string | null> {
    try {
      const v = (await this.o.client.listAll<Volume>('/v1/volumes', { cluster })).find((x) => x.name === name);
      return v?.server ?? null;
    } catch (err) {
      throw fromComposer(err, `volume ${name}`);
    }
  }

  private csiVolume(v: Volume, inv: TopologyInventory) {
    return {
      volume_id: v.id,
      capacity_bytes: String(v.capacityGiB * GIB),
      volume_context: { cluster: v.cluster, type: v.type, fsType: v.fsType },
      accessible_topology: volumeTopology(v, inv),
    };
  }

  async CreateVolume(req: {
    name: string;
    capacity_range?: { required_bytes: string; limit_bytes: string } | null;
    volume_capabilities: VolumeCapability[];
    parameters: Record<string, string>;
    volume_content_source?: unknown;
    accessibility_requirements?: TopologyRequirement | null;
    secrets?: Record<string, string>;
  }) {
    try {
      return await this.createVolume(req);
    } catch (err) {
      // Defence in depth: whatever sentence comes back (ours or the composer's), no secret value in it.
      throw redacted(err instanceof CsiError ? err : fromComposer(err, `volume ${req.name}`), req.secrets);
    }
  }

  /**
   * The key policy an encrypted volume names, created from the provisioner secret when it does
   * not exist yet (docs/csi.md "Secrets"). An existing policy is used as it is: rotating its
   * secret is the IaC front ends' job, not a claim's.
   */
  private async ensureKeyPolicy(name: string, secret: string): Promise<void> {
    const c = this.o.client;
    try {
      const found = (await c.listAll<{ name: string }>('/v1/key-policies')).some((p) => p.name === name);
      if (found) return;
      await c.request('POST', '/v1/key-policies', { body: { name, secret, owner: this.o.owner } });
    } catch (err) {
      const e = fromComposer(err, `key policy ${name}`);
      // The composer names its own field; the CO knows it as the secret's key.
      throw new CsiError(e.code, e.message.replace(/\bsecret:/g, `secrets.${KEY_POLICY_SECRET}:`));
    }
  }

  private async createVolume(req: Parameters<Controller['CreateVolume']>[0]) {
    if (!req.name) throw invalid('name: required');
    if (!req.volume_capabilities?.length) throw invalid('volume_capabilities: required');
    for (const cap of req.volume_capabilities) {
      const p = capabilityProblem(cap);
      if (p) throw invalid(`volume_capabilities: ${p}`);
    }
    if (req.volume_content_source) throw invalid('volume_content_source: snapshots and clones are not supported (no CLONE_VOLUME / CREATE_DELETE_SNAPSHOT capability)');
    const block = req.volume_capabilities.some((c) => c.access_type === 'block');
    if (block && req.volume_capabilities.some((c) => c.access_type === 'mount')) throw invalid('volume_capabilities: one volume is either raw block or a filesystem, not both');
    const { sizeGiB, limitBytes } = sizeFromRange(req.capacity_range);
    if (limitBytes !== undefined && limitBytes < sizeGiB * GIB) {
      throw new CsiError(status.OUT_OF_RANGE, `capacity_range: volumes are whole GiB; ${sizeGiB} GiB exceeds limit_bytes ${limitBytes}`);
    }
    const fsType = req.volume_capabilities.find((c) => c.mount?.fs_type)?.mount?.fs_type;
    const params = { ...req.parameters };
    if (fsType && params.fsType === undefined) params.fsType = fsType;
    const vr = volumeRequest(params, { sizeGiB, block, defaultCluster: this.o.defaultCluster, defaultOwner: this.o.owner });
    const cluster = await this.clusterId(vr.cluster);
    const secret = req.secrets?.[KEY_POLICY_SECRET];
    if (secret !== undefined) {
      if (vr.attributes.encrypt !== true || typeof vr.attributes.keyPolicy !== 'string') throw invalid(`secrets.${KEY_POLICY_SECRET}: only for encrypt "true" with a keyPolicy parameter (the policy it creates)`);
      await this.ensureKeyPolicy(vr.attributes.keyPolicy, secret);
    }
    const body: Record<string, unknown> = { ...vr.attributes, cluster, name: composerName(req.name), owner: vr.owner };
    const inv = await this.inventory();
    const reqs = req.accessibility_requirements;
    if ((reqs?.requisite?.length ?? 0) + (reqs?.preferred?.length ?? 0) > 0) {
      const servers = await this.clusterServers(cluster, inv);
      const candidates = candidateServers(reqs, servers)!;
      // The volume is assigned to the chosen server at creation: its placement obeys that
      // server's bandwidth domain, and its accessible topology is that server (docs/csi.md "Topology").
      const chosen = await this.chooseServer(body, candidates);
      if (chosen !== EXISTS) body.server = chosen;
      else {
        // Created before: the composer compares every other field as usual (ALREADY_EXISTS naming
        // them); the assignment is the volume's own (ControllerUnpublish may have cleared it).
        const server = await this.existingServer(cluster, body.name as string);
        if (server) body.server = server;
      }
    }
    let v: Volume;
    try {
      v = (await this.o.client.request<Volume>('POST', '/v1/volumes', { body })).data;
    } catch (err) {
      throw fromComposer(err, `volume ${req.name}`);
    }
    if (limitBytes !== undefined && v.capacityGiB * GIB > limitBytes) {
      // Whole drives can be larger than asked; the CO said it cannot use more.
      await this.o.client.request('DELETE', `/v1/volumes/${v.id}`, { query: { owner: vr.owner } }).catch(() => undefined);
      throw new CsiError(status.OUT_OF_RANGE, `capacity_range: the volume has ${v.capacityGiB} GiB (whole drives), above limit_bytes ${limitBytes}; use type slice for exact sizes`);
    }
    return { volume: this.csiVolume(v, inv) };
  }

  async DeleteVolume(req: { volume_id: string }) {
    if (!req.volume_id) throw invalid('volume_id: required');
    const v = await this.getVolume(req.volume_id);
    if (!v) return {};
    if (!csiOwned(v.owner, this.o.owner)) {
      throw new CsiError(status.FAILED_PRECONDITION, `volume ${v.id} (${v.name}) belongs to ${v.owner ?? 'no owner'}, not to Kubernetes: the driver deletes only the volumes it made`);
    }
    try {
      await this.o.client.request('DELETE', `/v1/volumes/${encodeURIComponent(v.id)}`, { query: { owner: v.owner } });
    } catch (err) {
      throw fromComposer(err, `volume ${v.id}`);
    }
    return {};
  }

  private async serverExists(name: string): Promise<boolean> {
    const inv = (await this.o.client.request<{ servers: { name: string }[] }>('GET', '/v1/inventory')).data;
    return inv.servers.some((s) => s.name === name);
  }

  async ControllerPublishVolume(req: { volume_id: string; node_id: string; volume_capability?: VolumeCapability | null; readonly: boolean }) {
    if (!req.volume_id) throw invalid('volume_id: required');
    if (!req.node_id) throw invalid('node_id: required');
    if (!req.volume_capability) throw invalid('volume_capability: required');
    const p = capabilityProblem(req.volume_capability);
    if (p) throw invalid(`volume_capability: ${p}`);
    const v = await this.getVolume(req.volume_id);
    if (!v) throw new CsiError(status.NOT_FOUND, `volume ${req.volume_id}: not found`);
    if (!(await this.serverExists(req.node_id).catch((e) => { throw fromComposer(e, 'inventory'); }))) {
      throw new CsiError(status.NOT_FOUND, `node ${req.node_id}: not a server of the inventory`);
    }
    if (v.server && v.server !== req.node_id) {
      throw new CsiError(status.FAILED_PRECONDITION, `volume ${v.id}: published to ${v.server} (single-node access); unpublish it first`);
    }
    if (v.server !== req.node_id) {
      try {
        await this.o.client.request('PATCH', `/v1/volumes/${encodeURIComponent(v.id)}`, { body: { server: req.node_id } });
      } catch (err) {
        throw fromComposer(err, `volume ${v.id}`);
      }
    }
    return { publish_context: { server: req.node_id } };
  }

  async ControllerUnpublishVolume(req: { volume_id: string; node_id: string }) {
    if (!req.volume_id) throw invalid('volume_id: required');
    const v = await this.getVolume(req.volume_id);
    if (!v || !v.server || (req.node_id && v.server !== req.node_id)) return {};
    try {
      await this.o.client.request('PATCH', `/v1/volumes/${encodeURIComponent(v.id)}`, { body: { server: null } });
    } catch (err) {
      throw fromComposer(err, `volume ${v.id}`);
    }
    return {};
  }

  async ValidateVolumeCapabilities(req: { volume_id: string; volume_capabilities: VolumeCapability[]; parameters: Record<string, string> }) {
    if (!req.volume_id) throw invalid('volume_id: required');
    if (!req.volume_capabilities?.length) throw invalid('volume_capabilities: required');
    const v = await this.getVolume(req.volume_id);
    if (!v) throw new CsiError(status.NOT_FOUND, `volume ${req.volume_id}: not found`);
    for (const cap of req.volume_capabilities) {
      const p = capabilityProblem(cap) ?? (cap.access_type === 'block' ? (v.fsType === 'none' ? undefined : 'the volume has a filesystem') : v.fsType === 'none' ? 'the volume is raw block' : undefined);
      if (p) return { message: p };
    }
    return { confirmed: { volume_context: {}, volume_capabilities: req.volume_capabilities, parameters: req.parameters } };
  }

  async ListVolumes(req: { max_entries: number; starting_token: string }) {
    if (req.max_entries < 0) throw invalid('max_entries: must not be negative');
    const limit = req.max_entries > 0 ? Math.min(req.max_entries, 1000) : 500;
    const inv = await this.inventory();
    try {
      const { data } = await this.o.client.request<{ items: Volume[]; nextCursor?: string }>('GET', '/v1/volumes', {
        query: { limit, cursor: req.starting_token || undefined },
      });
      return {
        entries: data.items.map((v) => ({ volume: this.csiVolume(v, inv), status: { published_node_ids: v.server ? [v.server] : [] } })),
        next_token: data.nextCursor ?? '',
      };
    } catch (err) {
      if (err instanceof ComposerError && err.code === PROBLEM.validationFailed && err.fieldErrors.some((f) => f.field === 'cursor')) {
        throw new CsiError(status.ABORTED, `starting_token: not a token this driver gave (${err.message})`);
      }
      throw fromComposer(err, 'list volumes');
    }
  }

  async GetCapacity(req: { volume_capabilities: VolumeCapability[]; parameters: Record<string, string> }) {
    // The same parameters as CreateVolume, validated the same way; the capacity data source takes the placement ones.
    const block = (req.volume_capabilities ?? []).some((c) => c.access_type === 'block');
    const vr = volumeRequest(req.parameters ?? {}, { sizeGiB: 1, block, defaultCluster: this.o.defaultCluster ?? 'capacity', defaultOwner: this.o.owner });
    const query: Record<string, string | number | boolean | string[]> = {};
    // The capacity query's filters, as schema.json declares them (the capacity data source's too).
    for (const k of Object.keys(CAPACITY_QUERY)) {
      const val = vr.attributes[k];
      if (val === undefined || (Array.isArray(val) && val.length === 0)) continue;
      query[k] = val as string | number | boolean | string[];
    }
    try {
      const { data } = await this.o.client.request<{ availableGiB: number; maximumVolumeSizeGiB: number }>('GET', '/v1/capacity', { query });
      return { available_capacity: String(data.availableGiB * GIB), maximum_volume_size: { value: String(data.maximumVolumeSizeGiB * GIB) }, minimum_volume_size: { value: String(GIB) } };
    } catch (err) {
      throw fromComposer(err, 'capacity');
    }
  }

  async ControllerGetCapabilities() {
    return { capabilities: CAPABILITIES.map((type) => ({ rpc: { type } })) };
  }

  async ControllerExpandVolume(req: { volume_id: string; capacity_range?: { required_bytes: string; limit_bytes: string } | null; volume_capability?: VolumeCapability | null }) {
    if (!req.volume_id) throw invalid('volume_id: required');
    if (!req.capacity_range) throw invalid('capacity_range: required');
    const v = await this.getVolume(req.volume_id);
    if (!v) throw new CsiError(status.NOT_FOUND, `volume ${req.volume_id}: not found`);
    const { sizeGiB, limitBytes } = sizeFromRange(req.capacity_range);
    if (limitBytes !== undefined && limitBytes < sizeGiB * GIB) throw new CsiError(status.OUT_OF_RANGE, `capacity_range: ${sizeGiB} GiB exceeds limit_bytes ${limitBytes}`);
    let cur = v;
    if (sizeGiB > v.capacityGiB) {
      if (v.type !== 'slice') throw invalid(`volume ${v.id}: only slice volumes grow in place (this one is ${v.type}: whole drives)`);
      try {
        cur = (await this.o.client.request<Volume>('PATCH', `/v1/volumes/${encodeURIComponent(v.id)}`, { body: { sizeGiB } })).data;
      } catch (err) {
        throw fromComposer(err, `volume ${v.id}`);
      }
    }
    return { capacity_bytes: String(cur.capacityGiB * GIB), node_expansion_required: cur.fsType !== 'none' };
  }
}
