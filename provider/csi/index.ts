// The CSI driver (docs/csi.md): a controller plugin and a node plugin over the composer.
import { ComposerClient } from '../client';
import { LinuxRunner } from '../agent/linux-runner';
import type { Runner } from '../agent/runner';
import { Controller } from './controller';
import { Identity } from './identity';
import { Node } from './node';
import { startCsiServer, type CsiServer } from './server';

export { DRIVER_NAME } from './identity';
export { csiServices, CSI_PROTO, CSI_SPEC_VERSION } from './proto';
export type { CsiServer } from './server';

export interface CsiCommon {
  /** unix:///path of the CSI socket. */
  endpoint: string;
  client: ComposerClient;
  log?: (line: string) => void;
}

async function reachable(client: ComposerClient): Promise<boolean> {
  try {
    await client.request('GET', '/v1/inventory/summary', { attempts: 1 });
    return true;
  } catch {
    return false;
  }
}

export function startCsiController(o: CsiCommon & { defaultCluster?: string; owner?: string }): Promise<CsiServer> {
  const controller = new Controller({ client: o.client, defaultCluster: o.defaultCluster, owner: o.owner ?? 'k8s:csi.tessera.io' });
  return startCsiServer({ endpoint: o.endpoint, identity: new Identity(true, () => reachable(o.client)), controller, log: o.log });
}

export function startCsiNode(o: CsiCommon & { server: string; runner?: Runner; stageTimeoutMs?: number }): Promise<CsiServer> {
  const node = new Node({ client: o.client, server: o.server, runner: o.runner ?? new LinuxRunner(), stageTimeoutMs: o.stageTimeoutMs });
  return startCsiServer({ endpoint: o.endpoint, identity: new Identity(false, () => reachable(o.client)), node, log: o.log });
}
