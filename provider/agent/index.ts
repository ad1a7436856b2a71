// The agent's public surface: the daemon, the runners, the simulated host, plans and steps.
export { startAgent, type StartAgentOptions, type RunningAgent } from './daemon';
export { LinuxRunner, type LinuxRunnerOptions } from './linux-runner';
export { RecordingRunner, CommandError, commandLine, mustRun, type Runner, type HostCommand, type CommandResult, type RecordedCommand } from './runner';
export { SimulatedHost, type SimulatedHostOptions } from './sim/host';
export { SimulatedFabric } from './sim/fabric';
export { MemoryStateStore, FileStateStore, type StateStore, type VolumeRecord } from './state';
export { stageVolume, unstageVolume, rotateKey, checkAssignment, StepError, type HostContext, type StageResult } from './steps';
export { planVolume, formatPlan, assignmentFromVolume, type VolumePlan, type PlanStep } from './plan';
export { AgentCrash, InjectedFailure, FaultInjector, type Fault } from './faults';
export { assertMountPath, assertRealMountPath, realLocation, type MountPolicy } from './paths';
export { provisionLabDrives } from './lab';
export { LabStandIns } from './lab-standin';
export { AgentClient, ComposerError } from '../client';
export { cmd } from './commands';
export type { KeySource, VolumeKeyMaterial } from './keys';
export type { BackendKind } from './members';
