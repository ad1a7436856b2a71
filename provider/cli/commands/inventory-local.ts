// `tessera inventory synth` and `tessera inventory validate`: local work on topology files,
// no composer needed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { type Command, UsageError, flagBool, flagInt, flagString, table, JSON_OPTION } from '../framework';
import { InventoryError, loadInventoryFile, summarizeInventory, synthesizeInventory } from '../../inventory';

/** YAML in the style of examples/inventory/lab.yaml: one line per drive and per server. */
function toYaml(inv: unknown): string {
  const doc = new YAML.Document(inv);
  YAML.visit(doc, {
    Seq(_, node) {
      if (node.items.every((i) => YAML.isScalar(i))) node.flow = true;
    },
    Map(_, node) {
      if (node.has('serial') || node.has('nicGbps')) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function positive(name: string, v: number | undefined, min: number): number {
  if (v === undefined) throw new UsageError(`--${name} is required`);
  if (v < min) throw new UsageError(`--${name}: must be >= ${min}, got ${v}`);
  return v;
}

export const commands: Command[] = [
  {
    path: ['inventory', 'synth'],
    summary: 'Write a deterministic synthetic inventory (YAML, or JSON for a .json file / --json)',
    options: [{ flags: '--servers <n>', description: 'number of servers' }, { flags: '--drives <n>', description: 'number of drives' }, { flags: '--seed <n>', description: 'random seed' }, { flags: '-o, --out <file>', description: 'write the topology here (default: stdout)' }, JSON_OPTION],
    usage: 'tessera inventory synth --servers N --drives M [--seed S] [--out FILE] [--json]',
    async run(args) {
      const servers = positive('servers', flagInt(args, 'servers'), 0);
      const drives = positive('drives', flagInt(args, 'drives'), 0);
      const seed = flagInt(args, 'seed', 1) as number;
      const out = flagString(args, 'out');
      const inv = synthesizeInventory({ servers, drives, seed });
      const asJson = flagBool(args, 'json') || (out !== undefined && out.toLowerCase().endsWith('.json'));
      const text = asJson ? JSON.stringify(inv, null, 1) + '\n' : toYaml(inv);
      if (out === undefined) {
        process.stdout.write(text);
        return 0;
      }
      const target = path.resolve(out);
      if (!fs.existsSync(path.dirname(target))) throw new UsageError(`--out: directory ${path.dirname(target)} does not exist`);
      fs.writeFileSync(target, text);
      const s = summarizeInventory(inv);
      console.error(`wrote ${target}: ${s.servers} servers, ${s.drives.hdd + s.drives.ssd} drives in ${s.enclosures} enclosures, ${s.storageGroups} storage groups, ${s.bandwidthDomains} bandwidth domains`);
      return 0;
    },
  },
  {
    path: ['inventory', 'validate'],
    summary: 'Check a topology file and print a summary, or every problem with its path',
    options: [JSON_OPTION],
    arguments: '<file>',
    usage: 'tessera inventory validate FILE [--json]',
    async run(args) {
      const file = args.positional[0];
      if (!file) throw new UsageError('a topology file is required');
      const json = flagBool(args, 'json');
      try {
        const s = summarizeInventory(loadInventoryFile(file));
        if (json) console.log(JSON.stringify({ valid: true, ...s }));
        else {
          console.log(`${file}: valid`);
          console.log(
            table(
              ['', 'count', 'hdd', 'ssd'],
              [
                ['bandwidth domains', s.bandwidthDomains],
                ['storage groups', s.storageGroups],
                ['enclosures', s.enclosures],
                ['servers', s.servers],
                ['drives', s.drives.hdd + s.drives.ssd, s.drives.hdd, s.drives.ssd],
                ['capacity GiB', s.capacityGiB.hdd + s.capacityGiB.ssd, s.capacityGiB.hdd, s.capacityGiB.ssd],
              ],
            ),
          );
        }
        return 0;
      } catch (err) {
        if (!(err instanceof InventoryError)) throw err;
        if (json) console.log(JSON.stringify({ valid: false, errors: err.errors }));
        else console.error(err.message);
        return 1;
      }
    },
  },
];
