// The tfplugin6 Provider service: a thin adapter from Terraform's plan/apply protocol to the
// shared resource handlers (provider/handlers: validate, plan, carryOver, then the CRUD calls),
// with the schema derived from schema.json (./schema.ts). One file per RPC under rpc/; this
// module routes the gRPC calls to them (docs/terraform.md).
import * as grpc from '@grpc/grpc-js';
import { unary, type Unary } from '../grpc/unary';
import { error, ProtocolError } from './diagnostics';
import { applyResourceChange } from './rpc/apply-resource-change';
import { configureProvider } from './rpc/configure-provider';
import { getMetadata } from './rpc/get-metadata';
import { getProviderSchema } from './rpc/get-provider-schema';
import { getResourceIdentitySchemas } from './rpc/get-resource-identity-schemas';
import { importResourceState } from './rpc/import-resource-state';
import { planResourceChange } from './rpc/plan-resource-change';
import { readDataSource } from './rpc/read-data-source';
import { readResource } from './rpc/read-resource';
import { stopProvider } from './rpc/stop-provider';
import { upgradeResourceIdentity } from './rpc/upgrade-resource-identity';
import { upgradeResourceState } from './rpc/upgrade-resource-state';
import { validateProviderConfig } from './rpc/validate-provider-config';
import { validateDataResourceConfig, validateResourceConfig } from './rpc/validate-resource-config';
import type { TesseraProvider } from './server';

export { type HandlerFactory, type ProviderState, TesseraProvider } from './server';

/** gRPC method table for the tfplugin6.Provider service. Protocol errors become INVALID_ARGUMENT. */
export function providerService(p: TesseraProvider, log: (line: string) => void): Record<string, Unary> {
  const wrap = (name: string, fn: (req: never) => unknown): Unary =>
    unary(fn, (e) => {
      const message = (e as Error)?.message ?? String(e);
      log(`${name}: ${message}`);
      // Anything else is answered as an error diagnostic, which the engine shows under the resource.
      return e instanceof ProtocolError ? { status: grpc.status.INVALID_ARGUMENT, details: message } : { reply: { diagnostics: [error(`${name} failed`, message)] } };
    });
  return {
    GetMetadata: wrap('GetMetadata', () => getMetadata()),
    GetProviderSchema: wrap('GetProviderSchema', () => getProviderSchema()),
    GetResourceIdentitySchemas: wrap('GetResourceIdentitySchemas', () => getResourceIdentitySchemas()),
    ValidateProviderConfig: wrap('ValidateProviderConfig', (r) => validateProviderConfig(p, r)),
    ValidateResourceConfig: wrap('ValidateResourceConfig', (r) => validateResourceConfig(r)),
    ValidateDataResourceConfig: wrap('ValidateDataResourceConfig', (r) => validateDataResourceConfig(r)),
    UpgradeResourceState: wrap('UpgradeResourceState', (r) => upgradeResourceState(r)),
    UpgradeResourceIdentity: wrap('UpgradeResourceIdentity', (r) => upgradeResourceIdentity(r)),
    ConfigureProvider: wrap('ConfigureProvider', (r) => configureProvider(p, r)),
    ReadResource: wrap('ReadResource', (r) => readResource(p, r)),
    PlanResourceChange: wrap('PlanResourceChange', (r) => planResourceChange(p, r)),
    ApplyResourceChange: wrap('ApplyResourceChange', (r) => applyResourceChange(p, r)),
    ImportResourceState: wrap('ImportResourceState', (r) => importResourceState(p, r)),
    ReadDataSource: wrap('ReadDataSource', (r) => readDataSource(p, r)),
    GetFunctions: wrap('GetFunctions', () => ({ diagnostics: [] })),
    ValidateListResourceConfig: wrap('ValidateListResourceConfig', () => ({ diagnostics: [] })),
    StopProvider: wrap('StopProvider', () => stopProvider(p)),
  };
}
