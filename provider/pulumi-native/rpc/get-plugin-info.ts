// GetPluginInfo: the provider's version (package.json), which the engine records in the state.
import * as plugin from '@pulumi/pulumi/proto/plugin_pb';
import { VERSION } from '../../version';

export function getPluginInfo(): plugin.PluginInfo {
  return new plugin.PluginInfo().setVersion(VERSION);
}
