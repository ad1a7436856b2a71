// The owner the Terraform provider records: type and name, prefixed with the workspace unless it
// is `default`, read the way the engines expose it to providers (TF_WORKSPACE, else the data
// directory's environment file in the working directory). Real files in a temp dir.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { currentWorkspace, ownerFor } from '../../provider/terraform/objects';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-tf-owner-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('default workspace: no environment file, the owner as before', () => {
  expect(currentWorkspace({}, dir)).toBe('default');
  expect(ownerFor('tessera_volume', 'data', currentWorkspace({}, dir))).toBe('terraform:tessera_volume.data');
});

test('a selected workspace (.terraform/environment, or TF_DATA_DIR) names the owner', () => {
  fs.mkdirSync(path.join(dir, '.terraform'));
  fs.writeFileSync(path.join(dir, '.terraform', 'environment'), 'team-b');
  expect(currentWorkspace({}, dir)).toBe('team-b');
  expect(ownerFor('tessera_volume', 'data', 'team-b')).toBe('terraform:team-b/tessera_volume.data');
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'data', 'environment'), 'staging\n');
  expect(currentWorkspace({ TF_DATA_DIR: 'data' }, dir)).toBe('staging');
});

test('TF_WORKSPACE wins; names that are not workspace names are ignored', () => {
  fs.mkdirSync(path.join(dir, '.terraform'));
  fs.writeFileSync(path.join(dir, '.terraform', 'environment'), 'team-b');
  expect(currentWorkspace({ TF_WORKSPACE: 'ci' }, dir)).toBe('ci');
  expect(currentWorkspace({ TF_WORKSPACE: 'not/a name' }, dir)).toBe('team-b');
  fs.writeFileSync(path.join(dir, '.terraform', 'environment'), '../../etc');
  expect(currentWorkspace({}, dir)).toBe('default');
});
