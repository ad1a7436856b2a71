// The CSI Node service (docs/csi.md "Node plugin and agent"). The agent on this server stays the
// one that stages volumes (connect, RAID, LUKS, mkfs, mount at its staging path) through its
// idempotent steps once ControllerPublish assigned the volume here; the node plugin waits until
// the composer reports the volume staged on this server at its current generation, then mounts
// the agent's device at the CSI staging path and bind-mounts it where Kubernetes asks (raw
// block: the device file itself). Every
// command runs without a shell through the agent's runner.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { status } from '@grpc/grpc-js';
import type { ComposerClient } from '../client';
import { ComposerError } from '../client';
import { PROBLEM } from '../api/wire.generated';
import type { Runner } from '../agent/runner';
import { mustRun } from '../agent/runner';
import { CsiError, fromComposer, invalid } from './errors';
import { GIB } from './params';
import { capabilityProblem, type VolumeCapability } from './capabilities';
import { segmentsOf } from './topology';

interface Volume {
  id: string;
  server?: string;
  fsType: string;
  capacityGiB: number;
  state: string;
  health: string;
  healthReason: string;
  observed?: { devicePath?: string; mountedAt?: string; generation?: number; server?: string };
}

export interface NodeOptions {
  client: ComposerClient;
  server: string;
  runner: Runner;
  /** How long NodeStage/NodeExpand wait for the agent (60 s); then UNAVAILABLE, and the CO retries. */
  stageTimeoutMs?: number;
  pollMs?: number;
}

const CAPABILITIES = ['STAGE_UNSTAGE_VOLUME', 'EXPAND_VOLUME', 'GET_VOLUME_STATS', 'VOLUME_CONDITION'];

function checkPath(field: string, p: string): string {
  if (!p) throw invalid(`${field}: required`);
  if (!path.isAbsolute(p) || path.normalize(p) !== p.replace(/\/+$/, '') || /[\0-\x1f]/.test(p)) throw invalid(`${field}: must be an absolute, normalised path`);
  return p;
}

export class Node {
  constructor(private readonly o: NodeOptions) {}

  private async volume(id: string): Promise<Volume> {
    if (!id) throw invalid('volume_id: required');
    try {
      return (await this.o.client.request<Volume>('GET', `/v1/volumes/${encodeURIComponent(id)}`)).data;
    } catch (err) {
      if (err instanceof ComposerError && err.code === PROBLEM.notFound) throw new CsiError(status.NOT_FOUND, `volume ${id}: not found`);
      throw fromComposer(err, `volume ${id}`);
    }
  }

  /** The volume once the agent has staged it here (the composer's observed state). */
  private async staged(id: string): Promise<Volume> {
    const deadline = Date.now() + (this.o.stageTimeoutMs ?? 60_000);
    for (;;) {
      const v = await this.volume(id);
      if (v.server === undefined || v.server === null) {
        // Staged without ControllerPublish (a CO that skips attach, csi-sanity's node specs): the
        // node asks for the same assignment ControllerPublish makes, through the composer.
        await this.o.client.request('PATCH', `/v1/volumes/${encodeURIComponent(id)}`, { body: { server: this.o.server } }).catch((err) => {
          throw fromComposer(err, `volume ${id}`);
        });
        continue;
      }
      if (v.server !== this.o.server) throw new CsiError(status.FAILED_PRECONDITION, `volume ${id}: assigned to ${v.server ?? 'no server'}, not ${this.o.server} (ControllerPublishVolume first)`);
      if (v.state === 'staged' && v.observed?.devicePath) return v;
      if (Date.now() > deadline) throw new CsiError(status.UNAVAILABLE, `volume ${id}: the agent on ${this.o.server} has not staged it yet (state ${v.state})`);
      await new Promise((r) => setTimeout(r, this.o.pollMs ?? 200));
    }
  }

  private async mounted(target: string): Promise<boolean> {
    const r = await this.o.runner.run({ file: 'findmnt', args: ['--noheadings', '--output', 'TARGET', '--mountpoint', target] });
    return r.exitCode === 0 && r.stdout.trim() !== '';
  }

  private async bind(source: string, target: string, readonly: boolean): Promise<void> {
    if (await this.mounted(target)) return;
    await mustRun(this.o.runner, { file: 'mount', args: ['--bind', source, target] });
    if (readonly) await mustRun(this.o.runner, { file: 'mount', args: ['-o', 'remount,bind,ro', target] });
  }

  private async unmount(target: string): Promise<void> {
    while (await this.mounted(target)) await mustRun(this.o.runner, { file: 'umount', args: [target] });
  }

  /** The node's server and its bandwidth domain, from the inventory (docs/csi.md "Topology"). */
  async NodeGetInfo() {
    let inv: { servers: { name: string; bandwidthDomain: string }[] };
    try {
      inv = (await this.o.client.request<typeof inv>('GET', '/v1/inventory')).data;
    } catch (err) {
      throw fromComposer(err, 'inventory');
    }
    const me = inv.servers.find((s) => s.name === this.o.server);
    if (!me) throw new CsiError(status.FAILED_PRECONDITION, `server ${this.o.server}: not a server of the inventory (--server must name one)`);
    return { node_id: this.o.server, max_volumes_per_node: '0', accessible_topology: { segments: segmentsOf(me) } };
  }

  async NodeGetCapabilities() {
    return { capabilities: CAPABILITIES.map((type) => ({ rpc: { type } })) };
  }

  async NodeStageVolume(req: { volume_id: string; staging_target_path: string; volume_capability?: VolumeCapability | null }) {
    if (!req.volume_id) throw invalid('volume_id: required');
    const staging = checkPath('staging_target_path', req.staging_target_path);
    if (!req.volume_capability) throw invalid('volume_capability: required');
    const p = capabilityProblem(req.volume_capability);
    if (p) throw invalid(`volume_capability: ${p}`);
    const v = await this.staged(req.volume_id);
    fs.mkdirSync(staging, { recursive: true });
    if (req.volume_capability.access_type === 'mount') {
      if (v.fsType === 'none') throw invalid('volume_capability: the volume is raw block, not a filesystem');
      // The agent's filesystem device, mounted once more: the kernel shares the superblock with
      // the agent's staging mount, so a grow the agent makes shows here too.
      if (!(await this.mounted(staging))) await mustRun(this.o.runner, { file: 'mount', args: ['-t', v.fsType, v.observed!.devicePath!, staging] });
    }
    return {};
  }

  async NodeUnstageVolume(req: { volume_id: string; staging_target_path: string }) {
    if (!req.volume_id) throw invalid('volume_id: required');
    const staging = checkPath('staging_target_path', req.staging_target_path);
    await this.unmount(staging);
    return {};
  }

  async NodePublishVolume(req: { volume_id: string; staging_target_path: string; target_path: string; volume_capability?: VolumeCapability | null; readonly: boolean }) {
    if (!req.volume_id) throw invalid('volume_id: required');
    const staging = checkPath('staging_target_path', req.staging_target_path);
    const target = checkPath('target_path', req.target_path);
    if (!req.volume_capability) throw invalid('volume_capability: required');
    const p = capabilityProblem(req.volume_capability);
    if (p) throw invalid(`volume_capability: ${p}`);
    const v = await this.staged(req.volume_id);
    if (req.volume_capability.access_type === 'block') {
      if (v.fsType !== 'none') throw invalid('volume_capability: the volume has a filesystem; block access needs fsType none');
      fs.mkdirSync(path.dirname(target), { recursive: true });
      if (!fs.existsSync(target)) fs.writeFileSync(target, '');
      await this.bind(v.observed!.devicePath!, target, req.readonly);
    } else {
      if (!(await this.mounted(staging))) throw new CsiError(status.FAILED_PRECONDITION, `staging_target_path ${staging}: not staged (NodeStageVolume first)`);
      fs.mkdirSync(target, { recursive: true });
      await this.bind(staging, target, req.readonly);
    }
    return {};
  }

  async NodeUnpublishVolume(req: { volume_id: string; target_path: string }) {
    if (!req.volume_id) throw invalid('volume_id: required');
    const target = checkPath('target_path', req.target_path);
    await this.unmount(target);
    // The target itself only (an empty dir, or the file a raw block device was bound on); never recursive.
    const st = fs.lstatSync(target, { throwIfNoEntry: false });
    if (st?.isDirectory()) fs.rmdirSync(target);
    else if (st) fs.unlinkSync(target);
    return {};
  }

  async NodeGetVolumeStats(req: { volume_id: string; volume_path: string }) {
    if (!req.volume_path) throw invalid('volume_path: required');
    const v = await this.volume(req.volume_id);
    const p = req.volume_path;
    if (!path.isAbsolute(p) || !fs.existsSync(p)) throw new CsiError(status.NOT_FOUND, `volume_path ${p}: does not exist`);
    const abnormal = v.health !== undefined && v.health !== 'ok';
    const volume_condition = { abnormal, message: abnormal ? `${v.health}: ${v.healthReason}` : 'ok' };
    if (fs.statSync(p).isDirectory()) {
      const s = fs.statfsSync(p, { bigint: true });
      return {
        usage: [
          { unit: 'BYTES', total: String(s.blocks * s.bsize), available: String(s.bavail * s.bsize), used: String((s.blocks - s.bfree) * s.bsize) },
          { unit: 'INODES', total: String(s.files), available: String(s.ffree), used: String(s.files - s.ffree) },
        ],
        volume_condition,
      };
    }
    return { usage: [{ unit: 'BYTES', total: String(v.capacityGiB * GIB), available: '0', used: '0' }], volume_condition };
  }

  async NodeExpandVolume(req: { volume_id: string; volume_path: string; capacity_range?: { required_bytes: string } | null }) {
    if (!req.volume_path) throw invalid('volume_path: required');
    const v0 = await this.volume(req.volume_id);
    if (!path.isAbsolute(req.volume_path) || !fs.existsSync(req.volume_path)) throw new CsiError(status.NOT_FOUND, `volume_path ${req.volume_path}: does not exist`);
    // The agent grows the device and the filesystem (its `grow` steps) when the generation changes.
    const deadline = Date.now() + (this.o.stageTimeoutMs ?? 60_000);
    let v = v0;
    while (v.state !== 'staged') {
      if (Date.now() > deadline) throw new CsiError(status.UNAVAILABLE, `volume ${v.id}: the agent has not grown it yet`);
      await new Promise((r) => setTimeout(r, this.o.pollMs ?? 200));
      v = await this.volume(req.volume_id);
    }
    return { capacity_bytes: String(v.capacityGiB * GIB) };
  }
}
