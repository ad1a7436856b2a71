// GetSchema: the package schema derived from schema.json (../package-schema.ts), as JSON text.
import * as pb from '@pulumi/pulumi/proto/provider_pb';
import { packageSchema } from '../package-schema';

let cached: string | undefined;

export function getSchema(req: pb.GetSchemaRequest): pb.GetSchemaResponse {
  // Version 0 is the only schema version there is; a subpackage (parameterized provider) is not served.
  if (req.getSubpackageName()) throw new Error(`subpackage ${req.getSubpackageName()}: the tessera provider has none`);
  cached ??= JSON.stringify(packageSchema());
  return new pb.GetSchemaResponse().setSchema(cached);
}
