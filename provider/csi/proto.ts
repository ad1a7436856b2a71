// The CSI v1 protocol, loaded at run time from the official definition (proto/csi.proto, copied
// verbatim from github.com/container-storage-interface/spec v1.13.0; docs/csi.md). Field names
// stay snake_case as in the spec (keepCase), enums travel as their names, 64-bit integers as
// strings so byte counts above 2^53 are never rounded.
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { assetDir } from '../assets';

export const CSI_PROTO = path.join(assetDir('csi', path.join(__dirname, 'proto')), 'csi.proto');
export const CSI_SPEC_VERSION = '1.13.0';

export interface CsiServices {
  Identity: grpc.ServiceClientConstructor;
  Controller: grpc.ServiceClientConstructor;
  Node: grpc.ServiceClientConstructor;
}

let loaded: CsiServices | undefined;

/** The Identity, Controller and Node service definitions (loaded once). */
export function csiServices(): CsiServices {
  if (loaded) return loaded;
  // google/protobuf/{descriptor,wrappers,timestamp}.proto come with protobufjs (proto-loader's dependency).
  const def = protoLoader.loadSync(CSI_PROTO, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { csi: { v1: CsiServices } };
  loaded = pkg.csi.v1;
  return loaded;
}
