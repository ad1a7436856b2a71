// Drives the real OpenTofu CLI, or HashiCorp terraform (both built by scripts/engines.sh), in a
// temp working dir with a clean environment and a CLI config of its own, so nothing reaches a
// registry. Both read the same CLI config (TF_CLI_CONFIG_FILE) and take the same commands here.
//
// Local providers: a `dev_overrides` block in the CLI config (TF_CLI_CONFIG_FILE) maps a provider
// source address to a directory holding `terraform-provider-<type>`; tofu then starts that
// executable directly and never asks a registry for it. Do not run `tofu init` for overridden
// providers (it is only needed for modules, backends and non-overridden providers; built-in
// `terraform_data` needs none): plan/apply work right away and print a warning that overrides are
// in effect.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CommandFailedError, CommandResult, EnginePaths, enginePaths, enginesPath, requireTerraform, runCommand } from './engines';

/** Source address -> dir holding terraform-provider-<type>, e.g. { 'tessera/tessera': '/abs/dir' }. */
export type DevOverrides = Record<string, string>;

/** The CLI a workspace runs: OpenTofu (the default) or HashiCorp terraform. */
export type TfEngine = 'tofu' | 'terraform';

export interface TofuWorkspace {
  /** The CLI this workspace runs. */
  engine: TfEngine;
  /** Absolute path of that CLI. */
  cli: string;
  /** Working dir holding the configuration (*.tf / *.tf.json) and the local state. */
  dir: string;
  /** The CLI config written for this workspace (TF_CLI_CONFIG_FILE). */
  cliConfigFile: string;
  /** HOME of tofu and the providers it starts: a temp dir of this workspace. */
  homeDir: string;
  engines: EnginePaths;
  env: NodeJS.ProcessEnv;
}

export interface TofuRunOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Resolve with the result instead of throwing on a non-zero exit code. */
  allowFailure?: boolean;
}

const SOURCE_ADDRESS = /^([a-z0-9.-]+\/)?[a-z0-9_-]+\/[a-z0-9_-]+$/i;

function hclString(value: string): string {
  return JSON.stringify(value).replace(/\$\{/g, '$${').replace(/%\{/g, '%%{');
}

/**
 * The text of a CLI config whose dev_overrides make tofu use local provider executables.
 * Providers not listed still install from nowhere: `direct {}` is kept only so that an explicit
 * `tofu init` of a config without other providers succeeds offline.
 */
export function devOverridesConfig(overrides: DevOverrides): string {
  const lines = ['provider_installation {', '  dev_overrides {'];
  for (const [source, dir] of Object.entries(overrides)) {
    if (!SOURCE_ADDRESS.test(source)) {
      throw new Error(`devOverrides[${JSON.stringify(source)}]: must be a provider source address like "tessera/tessera"`);
    }
    if (!path.isAbsolute(dir)) throw new Error(`devOverrides[${JSON.stringify(source)}]: must be an absolute dir, got ${JSON.stringify(dir)}`);
    lines.push(`    ${hclString(source)} = ${hclString(dir)}`);
  }
  lines.push('  }', '  direct {}', '}', '');
  return lines.join('\n');
}

/** Writes a dev_overrides CLI config to `file` (see devOverridesConfig). */
export function writeDevOverridesConfig(file: string, overrides: DevOverrides): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, devOverridesConfig(overrides));
}

/** A clean environment: no TF_* from the caller, Node 22 first on PATH, no checkpoint calls. */
export function tofuEnv(engines: EnginePaths, cliConfigFile: string, home: string): NodeJS.ProcessEnv {
  return {
    PATH: enginesPath(engines),
    HOME: home,
    TMPDIR: os.tmpdir(),
    LANG: 'C.UTF-8',
    TF_CLI_CONFIG_FILE: cliConfigFile,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    NO_COLOR: '1',
  };
}

export interface TofuWorkspaceOptions {
  /** The CLI to run (default tofu); terraform must have been built (requireTerraform). */
  engine?: TfEngine;
  /** Working dir; default: a fresh temp dir. */
  dir?: string;
  /** Configuration files, name -> content (e.g. { 'main.tf': '...' }). */
  files?: Record<string, string>;
  /** Local providers by source address (see devOverridesConfig). */
  devOverrides?: DevOverrides;
  /** Extra environment for every command (e.g. TESSERA_ENDPOINT for the provider). */
  env?: NodeJS.ProcessEnv;
}

/** Creates a working dir with its own CLI config and HOME; nothing is run yet. */
export function createTofuWorkspace(options: TofuWorkspaceOptions = {}): TofuWorkspace {
  const engine = options.engine ?? 'tofu';
  const engines = engine === 'terraform' ? requireTerraform() : enginePaths();
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-tofu-'));
  fs.mkdirSync(dir, { recursive: true });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-tofu-home-'));
  const cliConfigFile = path.join(home, 'tofu.tfrc');
  writeDevOverridesConfig(cliConfigFile, options.devOverrides ?? {});
  // The workspace's own CLI config and HOME win over options.env (which may be another
  // workspace's env, reused for its endpoint or credentials).
  const workspace: TofuWorkspace = {
    engine,
    cli: engines[engine],
    dir,
    cliConfigFile,
    homeDir: home,
    engines,
    env: { ...tofuEnv(engines, cliConfigFile, home), ...options.env, TF_CLI_CONFIG_FILE: cliConfigFile, HOME: home },
  };
  writeTofuFiles(workspace, options.files ?? {});
  return workspace;
}

/** Writes (replaces) configuration files in the workspace dir. */
export function writeTofuFiles(workspace: TofuWorkspace, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`files[${JSON.stringify(name)}]: must be a plain file name`);
    fs.writeFileSync(path.join(workspace.dir, name), content);
  }
}

// Subcommands that take -no-color right after their name.
const COLOR_FLAG_COMMANDS = new Set(['init', 'plan', 'apply', 'destroy', 'refresh', 'import', 'show', 'validate', 'output', 'console', 'taint', 'untaint']);

/** Runs `tofu <args>` (or `terraform <args>`) in the workspace dir with its clean env (adds -no-color where the subcommand takes it). */
export async function runTofu(workspace: TofuWorkspace, args: string[], options: TofuRunOptions = {}): Promise<CommandResult> {
  const fullArgs = COLOR_FLAG_COMMANDS.has(args[0] ?? '') && !args.includes('-no-color') ? [args[0], '-no-color', ...args.slice(1)] : args;
  const result = await runCommand(workspace.cli, fullArgs, {
    cwd: workspace.dir,
    env: { ...workspace.env, ...options.env },
    timeoutMs: options.timeoutMs,
  });
  if (result.code !== 0 && !options.allowFailure) throw new CommandFailedError(result);
  return result;
}

/** `tofu init -input=false`. */
export function init(workspace: TofuWorkspace, options: TofuRunOptions = {}): Promise<CommandResult> {
  return runTofu(workspace, ['init', '-input=false'], options);
}

/** `tofu apply -auto-approve -input=false`. */
export function apply(workspace: TofuWorkspace, options: TofuRunOptions = {}, extraArgs: string[] = []): Promise<CommandResult> {
  return runTofu(workspace, ['apply', '-auto-approve', '-input=false', ...extraArgs], options);
}

/** `tofu destroy -auto-approve -input=false`. */
export function destroy(workspace: TofuWorkspace, options: TofuRunOptions = {}, extraArgs: string[] = []): Promise<CommandResult> {
  return runTofu(workspace, ['destroy', '-auto-approve', '-input=false', ...extraArgs], options);
}

/**
 * `tofu plan -detailed-exitcode`: 0 = no changes, 2 = changes, 1 = error (throws unless
 * allowFailure). Returns the exit code with the output.
 */
export async function plan(
  workspace: TofuWorkspace,
  options: TofuRunOptions = {},
  extraArgs: string[] = [],
): Promise<CommandResult & { changes: boolean }> {
  const result = await runTofu(workspace, ['plan', '-detailed-exitcode', '-input=false', ...extraArgs], { ...options, allowFailure: true });
  if (result.code !== 0 && result.code !== 2 && !options.allowFailure) throw new CommandFailedError(result);
  return { ...result, changes: result.code === 2 };
}

/** `tofu show -json` of the state, parsed. */
export async function showState(workspace: TofuWorkspace): Promise<Record<string, unknown>> {
  const result = await runTofu(workspace, ['show', '-json']);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/** Removes the workspace dir and its HOME. */
export function removeTofuWorkspace(workspace: TofuWorkspace): void {
  fs.rmSync(workspace.dir, { recursive: true, force: true });
  fs.rmSync(workspace.homeDir, { recursive: true, force: true });
}
