// Operation type "key-policy-create": a new key policy at version 1, its secret sealed under the
// master key (never stored in plaintext), and its name, in one transaction journaled `done`.
import { fingerprint, seal } from '../../keys/crypto';
import { keys, newId, sealAad } from '../layout';
import type { StoredKeyPolicy } from '../state';
import { absent } from '../writes';
import { newOp } from './lifecycle';
import type { OperationType } from './registry';

export interface KeyPolicyCreateParams {
  /** The validated create body (secret or secretWo present). */
  v: Record<string, unknown>;
  masterKey: Buffer;
}

export const keyPolicyCreate: OperationType<KeyPolicyCreateParams, StoredKeyPolicy> = {
  name: 'key-policy-create',
  resources: ['key-policies'],
  kind: 'create',
  build(_ctx, { v, masterKey: mk }) {
    const secret = (v.secret ?? v.secretWo) as string;
    const id = newId('key-policies');
    const t = new Date().toISOString();
    const p: StoredKeyPolicy = {
      id,
      owner: v.owner as string | undefined,
      name: v.name as string,
      cipher: v.cipher as 'aes-xts-plain64',
      keySizeBits: v.keySizeBits as 256 | 512,
      fingerprint: fingerprint(mk, secret),
      version: 1,
      secretWoVersion: v.secretWoVersion as number | undefined,
      sealed: { '1': seal(mk, secret, sealAad(id, 1)) },
      createdAt: t,
      updatedAt: t,
    };
    const nameKey = keys.name('key-policies', undefined, p.name);
    return {
      op: newOp('create', 'key-policies', id),
      muts: [
        { key: keys.object('key-policies', id), value: p },
        { key: nameKey, value: id },
      ],
      compares: [absent(nameKey)],
      result: p,
    };
  },
};
