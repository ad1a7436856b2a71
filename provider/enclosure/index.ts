// The enclosure service (`tessera enclosure start`): docs/agent.md "Enclosure service".
export { startEnclosure, checkDrives, type StartEnclosureOptions, type RunningEnclosure } from './daemon';
export { plan, type Plan, type PlanInput, type Action, type Observed, type Owned } from './plan';
export { KernelTargets, OwnedFile, driveFacts, configfsPath, type DriveConfig } from './configfs';
export { EnclosureClient, enclosureEndpoints } from './client';
