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
    // Both plugins advertise topology: csi-sanity and the external-provisioner read it from either.
    capabilities.unshift({ service: { type: 'VOLUME_ACCESSIBILITY_CONSTRAINTS' } });
    if (this.controller) capabilities.unshift({ service: { type: 'CONTROLLER_SERVICE' } });
    return { capabilities };
  }

  async Probe() {
    return { ready: { value: await this.ready() } };
  }
}
