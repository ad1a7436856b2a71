// Shared test fixtures: assignments, a key source that derives real HKDF keys (the same
// derivation the composer's key endpoint uses), and a simulated host harness.
import type { Assignment } from '../../provider/api/contract';
import { deriveVolumeKey } from '../../provider/keys/crypto';
import type { KeySource, VolumeKeyMaterial } from '../../provider/agent/keys';
import type { Member, Placement } from '../../provider/model/placement';
import type { Transport } from '../../provider/model/inventory';

export function member(serial: string, over: Partial<Member> = {}): Member {
  return { serial, enclosure: 'enc-a', storageGroup: 'sg-a', offsetGiB: 0, sizeGiB: 4, mirror: 0, stripe: 0, ...over };
}

export function assignment(volumeId: string, over: Partial<Assignment> & { members?: Member[]; raidLevel?: Placement['raidLevel']; transport?: Transport; type?: Placement['type'] } = {}): Assignment {
  const { members, raidLevel, transport, type, ...rest } = over;
  const ms = members ?? [member(`S-${volumeId}`)];
  const raid = raidLevel ?? 'none';
  const cap = raid === 'none' ? ms[0].sizeGiB : raid === 'raid1' ? ms[0].sizeGiB : (ms[0].sizeGiB * ms.length) / 2;
  return {
    volumeId,
    kind: 'volume',
    cluster: 'c1',
    name: volumeId,
    placement: { type: type ?? 'ssd', raidLevel: raid, transport: transport ?? 'nvmetcp', capacityGiB: cap, members: ms },
    fsType: 'ext4',
    encrypt: false,
    generation: 1,
    ...rest,
  };
}

/** Derives keys locally with the composer's derivation; counts requests; never logs. */
export class DerivedKeys implements KeySource {
  requests: { volumeId: string; version?: number }[] = [];
  constructor(public secret = 'customer-secret', public currentVersion = 1, public policyId = 'kp-1') {}
  async get(volumeId: string, version?: number): Promise<VolumeKeyMaterial> {
    this.requests.push({ volumeId, version });
    const v = version ?? this.currentVersion;
    const key = deriveVolumeKey({ secret: this.secret, volumeId, policyId: this.policyId, version: v, keySizeBits: 512 });
    return { version: v, cipher: 'aes-xts-plain64', keySizeBits: 512, key };
  }
}
