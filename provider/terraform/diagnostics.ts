// Diagnostics in Terraform's terms: handler failures and composer errors as tfplugin6
// diagnostics on the attribute they name, with schema.json names rewritten to snake_case.
import { ComposerError, type FieldFailure } from '../handlers';
import { attributePath, dataSourceBlocks, resourceBlocks, tfName } from './schema';

export interface Diagnostic {
  severity: 1 | 2;
  summary: string;
  detail: string;
  attribute?: { steps: Record<string, unknown>[] };
}

/** A request Terraform should not have sent (unknown type, not configured): INVALID_ARGUMENT. */
export class ProtocolError extends Error {}

export function error(summary: string, detail = '', field?: string): Diagnostic {
  return { severity: 1, summary, detail, attribute: field ? attributePath(field) : undefined };
}

export function warning(summary: string, detail = '', field?: string): Diagnostic {
  return { severity: 2, summary, detail, attribute: field ? attributePath(field) : undefined };
}

const TF_RENAMES = new RegExp(
  `\\b(${[...new Set([...resourceBlocks.values(), ...dataSourceBlocks.values()].flatMap((b) => b.attributes.filter((a) => a.tfName !== a.name).map((a) => a.name)))].join('|')})\\b`,
  'g',
);

/** Terraform users read snake_case: rename schema.json attribute names inside a message. */
export function inTfTerms(text: string): string {
  return text.replace(TF_RENAMES, (m) => tfName(m));
}

export function failureDiagnostics(failures: FieldFailure[], summary = 'Invalid attribute'): Diagnostic[] {
  return failures.map((f) => error(`${summary}: ${inTfTerms(f.field)}`, `${inTfTerms(f.field)}: ${inTfTerms(f.reason)}`, f.field));
}

/** A handler/composer failure as diagnostics: the problem details, and one per failing field. */
export function errorDiagnostics(e: unknown, action: string): Diagnostic[] {
  if (e instanceof ComposerError) {
    const out: Diagnostic[] = [error(`${action} failed: ${e.code}`, `${inTfTerms(e.message)}${e.status ? ` (HTTP ${e.status})` : ''}`)];
    for (const f of e.fieldErrors) {
      const field = inTfTerms(f.field);
      const reason = inTfTerms(f.reason);
      out.push(error(`${action} failed: ${field}`, reason.startsWith(`${field}:`) ? reason : `${field}: ${reason}`, f.field));
    }
    return out;
  }
  return [error(`${action} failed`, (e as Error)?.message ?? String(e))];
}
