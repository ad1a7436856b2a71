// Proves the IaC engines built by scripts/engines.sh work here, offline: a real `pulumi up` of a
// TypeScript program with a dynamic provider against a file:// backend, and a real `tofu apply`
// of built-in resources, plus tofu starting a local provider executable through dev_overrides,
// and HashiCorp terraform (its version, the local backend, the stubbed remote-state backends).
// Missing engines fail these tests (enginePaths throws); nothing is skipped.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { enginePaths, requireTerraform, runCommand } from '../helpers/engines';
import { createPulumiProject, createStack, destroy, exportStack, hasNoChanges, preview, refresh, removeStack, stackOutputs, up } from '../helpers/pulumi';
import { apply, createTofuWorkspace, destroy as tofuDestroy, init, plan, removeTofuWorkspace, runTofu, showState, writeTofuFiles } from '../helpers/tofu';

// A dynamic provider whose create/update/delete touch a real file, so the test can see that
// the engine ran it (and ran it once per step) rather than trusting the CLI's summary.
const MARKER_PROGRAM = `
import * as pulumi from '@pulumi/pulumi';
import * as fs from 'fs';

interface MarkerInputs { path: string; content: string }

const markerProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: MarkerInputs) {
    fs.writeFileSync(inputs.path, inputs.content);
    fs.appendFileSync(inputs.path + '.log', 'create\\n');
    return { id: inputs.path, outs: { ...inputs, length: inputs.content.length } };
  },
  async diff(_id: string, olds: MarkerInputs, news: MarkerInputs) {
    const replaces = olds.path !== news.path ? ['path'] : [];
    return { changes: olds.path !== news.path || olds.content !== news.content, replaces };
  },
  async update(_id: string, olds: MarkerInputs, news: MarkerInputs) {
    fs.writeFileSync(news.path, news.content);
    fs.appendFileSync(news.path + '.log', 'update\\n');
    return { outs: { ...news, length: news.content.length } };
  },
  async read(id: string, props: MarkerInputs) {
    if (!fs.existsSync(props.path)) return {};
    return { id, props: { ...props, content: fs.readFileSync(props.path, 'utf8') } };
  },
  async delete(_id: string, props: MarkerInputs) {
    fs.rmSync(props.path, { force: true });
    fs.appendFileSync(props.path + '.log', 'delete\\n');
  },
};

class Marker extends pulumi.dynamic.Resource {
  public readonly length!: pulumi.Output<number>;
  constructor(name: string, args: { path: pulumi.Input<string>; content: pulumi.Input<string> }) {
    super(markerProvider, name, { length: undefined, ...args }, {}, 'tessera-e2e:Marker');
  }
}

const config = new pulumi.Config();
const marker = new Marker('marker', { path: config.require('markerPath'), content: config.require('content') });
export const length = marker.length;
export const token = config.requireSecret('token');
`;

describe('enginePaths', () => {
  test('throws, naming the script to run, when the engines are missing', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-no-engines-'));
    try {
      expect(() => enginePaths({ TESSERA_ENGINES_DIR: empty })).toThrow(/pulumi .*tofu .*run scripts\/engines\.sh/is);
      expect(() => enginePaths({ TESSERA_ENGINES_DIR: 'relative/dir' })).toThrow(/TESSERA_ENGINES_DIR: must be an absolute path/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('pulumi CLI with the Node language host and the dynamic-provider shim', () => {
  test('up creates through a dynamic provider; no-change preview; refresh; update; destroy', async () => {
    const engines = enginePaths();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-toolchain-'));
    const markerPath = path.join(work, 'marker.txt');
    const projectDir = createPulumiProject({ name: 'toolchain', program: MARKER_PROGRAM, dir: path.join(work, 'project') });
    const stack = await createStack(projectDir, {
      config: { markerPath, content: 'hello from pulumi' },
      secrets: { token: 'not-in-plaintext-42' },
    });
    try {
      const version = await runCommand(engines.pulumi, ['version'], { cwd: work, env: stack.env });
      expect(version.stdout.trim()).toMatch(/^v3\.\d+\.\d+/);

      const first = await up(stack);
      // The shim and the language host sit next to pulumi, so it takes them without a warning.
      expect(first.stdout).not.toMatch(/warning: using pulumi-/);
      expect(fs.readFileSync(markerPath, 'utf8')).toBe('hello from pulumi');
      expect(fs.readFileSync(`${markerPath}.log`, 'utf8')).toBe('create\n');
      const outputs = await stackOutputs(stack);
      expect(outputs.length).toBe('hello from pulumi'.length);
      expect(outputs.token).toBe('[secret]');

      // The secret config value stays encrypted in the checkpoint.
      const checkpoint = JSON.stringify(await exportStack(stack));
      expect(checkpoint).not.toContain('not-in-plaintext-42');
      expect(checkpoint).toContain('tessera-e2e:Marker');

      const second = await preview(stack);
      expect(second.changeSummary).toEqual({ same: expect.any(Number) });
      expect(hasNoChanges(second.changeSummary)).toBe(true);

      // Deleted behind Pulumi's back: refresh drops it from the state, the next up recreates it.
      fs.rmSync(markerPath);
      await refresh(stack);
      const refreshed = await exportStack(stack);
      expect(JSON.stringify(refreshed)).not.toContain('tessera-e2e:Marker');
      const recreate = await preview(stack);
      expect(recreate.changeSummary.create).toBe(1);
      await up(stack);
      expect(fs.readFileSync(markerPath, 'utf8')).toBe('hello from pulumi');

      // A config change is an in-place update, seen by preview and applied by up.
      await runCommandOk(engines.pulumi, ['config', 'set', 'content', 'changed', '--stack', stack.stack], projectDir, stack.env);
      const changed = await preview(stack);
      expect(changed.changeSummary.update).toBe(1);
      expect(hasNoChanges(changed.changeSummary)).toBe(false);
      await up(stack);
      expect(fs.readFileSync(markerPath, 'utf8')).toBe('changed');

      await destroy(stack);
      expect(fs.existsSync(markerPath)).toBe(false);
      expect(fs.readFileSync(`${markerPath}.log`, 'utf8')).toBe('create\ncreate\nupdate\ndelete\n');
      const after = await exportStack(stack);
      expect(after.deployment.resources ?? []).toHaveLength(0);
    } finally {
      await removeStack(stack);
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});

async function runCommandOk(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  const result = await runCommand(command, args, { cwd, env });
  if (result.code !== 0) throw new Error(`${path.basename(command)} ${args.join(' ')} failed: ${result.stderr}`);
}

const BUILTIN_HCL = `
terraform {
  required_version = ">= 1.11"
}

variable "label" {
  type    = string
  default = "one"
}

resource "terraform_data" "marker" {
  input = var.label
}

resource "terraform_data" "derived" {
  input            = "\${terraform_data.marker.output}-derived"
  triggers_replace = [terraform_data.marker.output]
}

output "derived" {
  value = terraform_data.derived.output
}
`;

describe('OpenTofu', () => {
  test('is a release that supports write-only attributes (>= 1.11)', async () => {
    const engines = enginePaths();
    const result = await runCommand(engines.tofu, ['version', '-json'], { cwd: os.tmpdir(), env: { PATH: '/usr/bin:/bin', HOME: os.tmpdir() } });
    expect(result.code).toBe(0);
    const version = (JSON.parse(result.stdout) as { terraform_version: string }).terraform_version;
    const [major, minor] = version.split('.').map(Number);
    expect(major > 1 || (major === 1 && minor >= 11)).toBe(true);
  });

  test('init + apply of built-in resources offline, then an empty plan, a change, destroy', async () => {
    const ws = createTofuWorkspace({ files: { 'main.tf': BUILTIN_HCL } });
    try {
      await init(ws);
      await apply(ws);
      const state = (await showState(ws)) as { values?: { outputs?: Record<string, { value: unknown }> } };
      expect(state.values?.outputs?.derived.value).toBe('one-derived');

      const empty = await plan(ws);
      expect(empty.code).toBe(0);
      expect(empty.changes).toBe(false);

      const changed = await plan(ws, {}, ['-var', 'label=two']);
      expect(changed.code).toBe(2);
      expect(changed.stdout).toMatch(/terraform_data\.derived must be replaced/);
      await apply(ws, {}, ['-var', 'label=two']);
      const output = await runTofu(ws, ['output', '-raw', 'derived']);
      expect(output.stdout).toBe('two-derived');

      await tofuDestroy(ws, {}, ['-var', 'label=two']);
      const destroyed = (await showState(ws)) as { values?: unknown };
      expect(destroyed.values).toBeUndefined();
    } finally {
      removeTofuWorkspace(ws);
    }
  });

  test('dev_overrides make tofu start a local provider executable without a registry', async () => {
    // A stand-in provider: records what tofu started it with, then fails the handshake. Enough to
    // prove the CLI config routes the provider to a local file (terraform-provider-tessera is
    // proven by its own e2e tests).
    const providerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-fake-provider-'));
    const record = path.join(providerDir, 'started.txt');
    const executable = path.join(providerDir, 'terraform-provider-fake');
    fs.writeFileSync(
      executable,
      [
        '#!/bin/sh',
        `{ echo "protocols=$PLUGIN_PROTOCOL_VERSIONS"; echo "cookie=\${TF_PLUGIN_MAGIC_COOKIE:+set}"; echo "cert=\${PLUGIN_CLIENT_CERT:+set}"; } > '${record}'`,
        'echo "fake provider: not a real plugin" >&2',
        'exit 1',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const ws = createTofuWorkspace({
      devOverrides: { 'tessera-test/fake': providerDir },
      files: {
        'main.tf': [
          'terraform {',
          '  required_providers {',
          '    fake = { source = "tessera-test/fake" }',
          '  }',
          '}',
          'provider "fake" {}',
          '',
        ].join('\n'),
      },
    });
    try {
      const result = await plan(ws, { allowFailure: true });
      expect(result.code).toBe(1);
      expect(result.stdout + result.stderr).toMatch(/Provider development overrides are in effect/);
      expect(result.stdout + result.stderr).not.toMatch(/registry\.opentofu\.org.*(could not|failed to) (query|resolve)/i);
      const started = fs.readFileSync(record, 'utf8');
      expect(started).toMatch(/^protocols=.*6/m);
      expect(started).toMatch(/^cookie=set$/m);
      expect(started).toMatch(/^cert=set$/m);
    } finally {
      removeTofuWorkspace(ws);
      fs.rmSync(providerDir, { recursive: true, force: true });
    }
  });

  test('workspaces keep their own CLI config and HOME; file names cannot leave the dir', () => {
    const first = createTofuWorkspace({ env: { TESSERA_ENDPOINT: 'http://127.0.0.1:1' } });
    const second = createTofuWorkspace({ env: first.env });
    try {
      expect(second.env.TESSERA_ENDPOINT).toBe('http://127.0.0.1:1');
      expect(second.env.TF_CLI_CONFIG_FILE).toBe(second.cliConfigFile);
      expect(second.env.HOME).toBe(second.homeDir);
      expect(second.homeDir).not.toBe(first.homeDir);
      expect(() => writeTofuFiles(second, { '../escape.tf': '' })).toThrow(/files\["\.\.\/escape\.tf"\]: must be a plain file name/);
    } finally {
      removeTofuWorkspace(second);
      expect(fs.existsSync(first.cliConfigFile)).toBe(true);
      removeTofuWorkspace(first);
    }
  });
});

describe('HashiCorp terraform', () => {
  test('is the pinned release (>= 1.12, for resource identity), not a -dev build', async () => {
    const engines = requireTerraform();
    const result = await runCommand(engines.terraform, ['version', '-json'], { cwd: os.tmpdir(), env: { PATH: '/usr/bin:/bin', HOME: os.tmpdir(), CHECKPOINT_DISABLE: '1' } });
    expect(result.code).toBe(0);
    const version = (JSON.parse(result.stdout) as { terraform_version: string }).terraform_version;
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const [major, minor] = version.split('.').map(Number);
    expect(major > 1 || (major === 1 && minor >= 12)).toBe(true);
  });

  test('built-in resources apply with the local backend; a stubbed remote-state backend refuses init, naming why', async () => {
    const ws = createTofuWorkspace({ engine: 'terraform', files: { 'main.tf': BUILTIN_HCL } });
    try {
      await init(ws);
      await apply(ws);
      expect((await runTofu(ws, ['output', '-raw', 'derived'])).stdout).toBe('one-derived');
      expect((await plan(ws)).code).toBe(0);
      await tofuDestroy(ws);
      // The module zip lacks the remote-state backends; scripts/engines.sh stubs them.
      writeTofuFiles(ws, { 'backend.tf': 'terraform {\n  backend "s3" {}\n}\n' });
      const refused = await runTofu(ws, ['init', '-input=false', '-reconfigure'], { allowFailure: true });
      expect(refused.code).toBe(1);
      expect((refused.stdout + refused.stderr).replace(/\s+/g, ' ')).toMatch(/the "s3" backend is not built into this terraform: it was built from the Go module proxy/);
    } finally {
      removeTofuWorkspace(ws);
    }
  });
});
