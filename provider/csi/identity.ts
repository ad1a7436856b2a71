// The CSI Identity service (docs/csi.md).
import { VERSION } from '../version';

export const DRIVER_NAME = 'csi.tessera.io';

export class Identity {
  constructor(private readonly controller: boolean, private readonly ready: () => Promise<boolean>) {}

  async GetPluginInfo() {
    return { name: DRIVER_NAME, vendor_version: VERSION, manifest: {} };
  }

  async GetPluginCapabilities() {
    const capabilities: unknown[] = [{ volume_expansion: { type: 'ONLINE' } }];
    if (this.controller) capabilities.unshift({ service: { type: 'CONTROLLER_SERVICE' } });
    return { capabilities };
  }

  async Probe() {
    return { ready: { value: await this.ready() } };
  }
}
