// The bundled CLI (provider/cli/bundle.ts) cannot discover ./commands at run time, so it lists
// the command modules itself; this keeps that list and the directory the same (docs/install.md).
import * as fs from 'node:fs';
import * as path from 'node:path';

test('provider/cli/bundle.ts imports every module of provider/cli/commands, and only those', () => {
  const dir = path.join(__dirname, '..', '..', 'provider', 'cli');
  const modules = fs
    .readdirSync(path.join(dir, 'commands'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
  const imported = [...fs.readFileSync(path.join(dir, 'bundle.ts'), 'utf8').matchAll(/from '\.\/commands\/([\w-]+)'/g)].map((m) => m[1]).sort();
  expect(imported).toEqual(modules);
  expect(modules.length).toBeGreaterThan(0);
});
