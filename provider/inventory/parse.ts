// Reads a topology file (YAML or JSON) into a validated Inventory.
import * as fs from 'node:fs';
import * as YAML from 'yaml';
import type { Inventory } from '../model/inventory';
import { InventoryError } from './errors';
import { validateInventory } from './validate';

function looksLikeJson(text: string, fileName?: string): boolean {
  if (fileName) return fileName.toLowerCase().endsWith('.json');
  return /^\s*\{/.test(text);
}

/** Parses YAML or JSON text (JSON when the file name ends in .json or the text starts with `{`). */
export function parseInventory(text: string, fileName?: string): Inventory {
  let doc: unknown;
  if (looksLikeJson(text, fileName)) {
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new InventoryError([{ path: '', reason: `not valid JSON: ${(err as Error).message}` }], fileName);
    }
  } else {
    const parsed = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (parsed.errors.length > 0) {
      throw new InventoryError(
        parsed.errors.map((e) => ({ path: '', reason: `not valid YAML: ${e.message.split('\n')[0]}` })),
        fileName,
      );
    }
    doc = parsed.toJS({ maxAliasCount: 1000 });
  }
  return validateInventory(doc, fileName);
}

/** Reads and validates a topology file. */
export function loadInventoryFile(file: string): Inventory {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InventoryError([{ path: '', reason: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }], file);
  }
  return parseInventory(text, file);
}
