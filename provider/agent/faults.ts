// Failure injection (docs/agent.md): make step N fail, or crash the agent at step N. Steps are
// numbered from 1 within one stage or unstage run, in the order they execute; a step can also be
// named.

export interface Fault {
  /** `fail`: the step reports a failure (the agent lives on); `crash`: the agent dies (AgentCrash). */
  mode: 'fail' | 'crash';
  /** 1-based step number, or the step's name (e.g. "mkfs", "connect SERIAL"). */
  step: number | string;
  /** Crash before the step acts, or after it acted but before its result was recorded (default). */
  when?: 'before' | 'after';
  op?: 'stage' | 'unstage';
  volumeId?: string;
  /** How many times the fault fires (1). */
  times?: number;
}

/** Thrown when an injected crash kills the agent: nothing after it runs, nothing is reported. */
export class AgentCrash extends Error {
  constructor(readonly step: string, readonly stepNumber: number) {
    super(`injected crash at step ${stepNumber} (${step})`);
    this.name = 'AgentCrash';
  }
}

export class InjectedFailure extends Error {
  constructor(step: string, stepNumber: number) {
    super(`injected failure at step ${stepNumber} (${step})`);
    this.name = 'InjectedFailure';
  }
}

export class FaultInjector {
  private readonly remaining: number[];
  constructor(private readonly faults: Fault[] = []) {
    this.remaining = faults.map((f) => f.times ?? 1);
  }

  /** Called around every step; throws when a fault is armed for it. */
  check(op: 'stage' | 'unstage', volumeId: string, n: number, name: string, when: 'before' | 'after'): void {
    this.faults.forEach((f, i) => {
      if (this.remaining[i] <= 0) return;
      if (f.op && f.op !== op) return;
      if (f.volumeId && f.volumeId !== volumeId) return;
      if (typeof f.step === 'number' ? f.step !== n : f.step !== name) return;
      const fWhen = f.when ?? (f.mode === 'crash' ? 'after' : 'before');
      if (fWhen !== when) return;
      this.remaining[i]--;
      if (f.mode === 'crash') throw new AgentCrash(name, n);
      throw new InjectedFailure(name, n);
    });
  }
}
