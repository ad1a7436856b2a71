// ValidateResourceConfig (and ValidateDataResourceConfig): the configuration through the
// handlers' validation with unknowns; write-only attributes only for clients that support them.
import { timeoutFailures, validateConfig } from '../../handlers';
import { decodeDynamicValue, type DynamicValueWire } from '../cty';
import { type Diagnostic, error, failureDiagnostics } from '../diagnostics';
import { blockOf, inputsOf, type TfObject, timeoutsOf } from '../objects';
import { dataSourceBlocks, resourceBlocks, type TfBlock, TIMEOUTS_BLOCK } from '../schema';

/** schema.json validation of the known inputs, plus cross-field rules that skip unknowns. */
export function validateInputs(b: TfBlock, cfg: TfObject | null): Diagnostic[] {
  const { inputs, unknownFields } = inputsOf(b, cfg);
  // partial: Terraform itself enforces required attributes (which may still be unknown).
  return failureDiagnostics(validateConfig(b.typeName, inputs, { unknown: unknownFields, partial: true }).failures);
}

export function validateResourceConfig(req: { type_name: string; config: DynamicValueWire; client_capabilities?: { write_only_attributes_allowed?: boolean } }): unknown {
  const b = blockOf(resourceBlocks, req.type_name);
  const cfg = decodeDynamicValue(req.config, b.type) as TfObject | null;
  const diags = validateInputs(b, cfg);
  diags.push(...failureDiagnostics(timeoutFailures(timeoutsOf(b, cfg), TIMEOUTS_BLOCK)));
  for (const a of b.attributes) {
    if (a.spec.writeOnly && cfg && cfg[a.tfName] !== null && !req.client_capabilities?.write_only_attributes_allowed) {
      diags.push(
        error(
          `Write-only attribute not supported: ${a.tfName}`,
          `${a.tfName}: this Terraform/OpenTofu does not support write-only attributes (Terraform >= 1.11 does); use the sensitive non-write-only form instead`,
          a.name,
        ),
      );
    }
  }
  return { diagnostics: diags };
}

export function validateDataResourceConfig(req: { type_name: string; config: DynamicValueWire }): unknown {
  const b = blockOf(dataSourceBlocks, req.type_name);
  return { diagnostics: validateInputs(b, decodeDynamicValue(req.config, b.type) as TfObject | null) };
}
