// provider/pulumi-native/schema.generated.json: the Pulumi package schema of the native provider,
// derived from schema.json by provider/pulumi-native/package-schema.ts (the same document
// GetSchema answers with). `pulumi package gen-sdk` reads it (scripts/pulumi-sdks.sh), and
// `npm run gen -- --check` keeps it current.
import { packageSchema } from '../../provider/pulumi-native/package-schema';
import type { GeneratedFile } from './types';

export const PULUMI_PACKAGE_SCHEMA_PATH = 'provider/pulumi-native/schema.generated.json';

export function generate(): GeneratedFile[] {
  return [{ path: PULUMI_PACKAGE_SCHEMA_PATH, content: JSON.stringify(packageSchema(), null, 2) + '\n' }];
}
