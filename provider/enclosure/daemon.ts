// The enclosure service: register the enclosure's managed drives with the composer, heartbeat,
// long-poll what it must export, converge the kernel to it (./plan.ts decides, ./configfs.ts
// acts) and report drive health and every export's state. Stopping it leaves the exports in
// place: servers keep their storage while the service restarts. docs/agent.md "Enclosure service".
import * as os from 'node:os';
import * as path from 'node:path';
import type { EnclosureAssignments, EnclosureReport, ExportState } from '../api/contract';
import type { Runner } from '../agent/runner';
import { VERSION } from '../version';
import { EnclosureClient, type EnclosureConnection } from './client';
import { blockIoCount, DriveConfig, driveFacts, KernelTargets, OwnedFile } from './configfs';
import { applyOwnership, dmName, exportNeeds, Listen, objectOf, Owned, plan } from './plan';

/** The composer connection (EnclosureConnection: URLs, token, CA, client certificate, insecureDev, the enclosure's name) and the service's own settings. */
export interface StartEnclosureOptions extends EnclosureConnection {
  /** The drives it manages: inventory serials and their block devices. Nothing else is ever exported. */
  drives: DriveConfig[];
  /** Where the ownership record lives (default /var/lib/tessera-enclosure). */
  stateDir?: string;
  /** configfs mount point (default /sys/kernel/config). */
  configfs?: string;
  /** Listen address overrides (default: the inventory portal's host; NVMe on its port, iSCSI on 3260). */
  listen?: Partial<Listen>;
  /** Runs dmsetup (tests may wrap the real runner). */
  runner?: Runner;
  heartbeatMs?: number;
  /** Long-poll wait, seconds (30). */
  waitSeconds?: number;
  /** With failed exports: try again after this long (5 s). */
  retryMs?: number;
  /** Drive health is re-sent at least this often (30 s), and after every pass. */
  reportMs?: number;
  /** JSON log lines; never carry the token. */
  log?: (line: string) => void;
}

export interface RunningEnclosure {
  readonly enclosure: string;
  stop(): Promise<void>;
  readonly done: Promise<void>;
  /** The last report sent (or attempted). */
  lastReport(): EnclosureReport | undefined;
  /** Resolves after a pass at revision `atLeast` or later (default: the last one answered) exported everything assigned. */
  converged(timeoutMs?: number, atLeast?: number): Promise<void>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

/** Checks the drives list: each a serial and an absolute device path, no serial or device twice. */
export function checkDrives(drives: DriveConfig[], where = 'drives'): DriveConfig[] {
  const serials = new Set<string>();
  const devices = new Set<string>();
  drives.forEach((d, i) => {
    if (typeof d?.serial !== 'string' || !NAME.test(d.serial)) throw new Error(`${where}[${i}].serial: must be an inventory drive serial, got ${JSON.stringify(d?.serial)}`);
    if (typeof d.device !== 'string' || !path.isAbsolute(d.device) || d.device.includes('\0')) throw new Error(`${where}[${i}].device: must be an absolute path to a block device, got ${JSON.stringify(d.device)}`);
    if (serials.has(d.serial)) throw new Error(`${where}[${i}].serial: ${d.serial} is listed twice`);
    if (devices.has(path.normalize(d.device))) throw new Error(`${where}[${i}].device: ${d.device} is listed twice`);
    serials.add(d.serial);
    devices.add(path.normalize(d.device));
  });
  return drives;
}

export async function startEnclosure(o: StartEnclosureOptions): Promise<RunningEnclosure> {
  if (!NAME.test(o.enclosure)) throw new Error(`enclosure: "${o.enclosure}" is not a valid enclosure name`);
  const drives = checkDrives(o.drives);
  const log = (msg: string, fields: Record<string, unknown> = {}) => o.log?.(JSON.stringify({ time: new Date().toISOString(), enclosure: o.enclosure, msg, ...fields }));
  const client = new EnclosureClient({ composer: o.composer, token: o.token, enclosure: o.enclosure, ca: o.ca, cert: o.cert, key: o.key, insecureDev: o.insecureDev, retry: o.retry });
  if (client.plainHttp) log('WARNING: INSECURE --insecure-dev: the enclosure token crosses the network in clear. Development labs only.', { level: 'warn', composer: o.composer });
  const kernel = new KernelTargets({ root: o.configfs, runner: o.runner });
  const ownedFile = new OwnedFile(o.stateDir ?? '/var/lib/tessera-enclosure', o.enclosure);
  let owned: Owned = ownedFile.load();

  const abort = new AbortController();
  let stopped = false;
  let last: EnclosureReport | undefined;
  let desired: EnclosureAssignments | undefined;
  /** Revision of the last pass that exported everything assigned (undefined: none yet, or failures). */
  let cleanAt: number | undefined;
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((f) => f());

  const facts = () => ({ hostname: os.hostname(), version: VERSION, drives: drives.map((d) => d.serial) });

  const sendReport = async (r: EnclosureReport) => {
    last = r;
    try {
      await client.report(r);
    } catch (e) {
      log('report failed', { error: (e as Error).message });
    }
  };

  /** One pass: observe, plan, apply in order, report. Only this service's objects are ever removed. */
  async function reconcile(a: EnclosureAssignments): Promise<boolean> {
    const { facts: driveState, health } = driveFacts(drives);
    const targets = a.exports.map((e) => (e.transport === 'iscsi' ? e.iqn : e.nqn)).filter((t): t is string => !!t);
    const dms = a.exports.filter((e) => e.slice).map((e) => dmName(o.enclosure, e.serial, e.offsetGiB));
    const observed = await kernel.observe(owned, targets, dms, driveState);
    const p = plan({ enclosure: o.enclosure, exports: a.exports, held: a.held, portal: a.portal, transports: a.transports, drives: driveState, observed, owned, listen: o.listen });
    const failed = new Map<string, string>();
    for (const x of p.actions) {
      const obj = objectOf(x);
      if (failed.has(obj)) continue;
      if (x.op === 'own' || x.op === 'disown') {
        // Recorded before the object is made, forgotten after it is gone: a crash in between
        // leaves a record of something absent (made again or dropped next pass), never an
        // object nobody owns.
        owned = applyOwnership(owned, x);
        ownedFile.save(owned);
        continue;
      }
      try {
        await kernel.apply(x);
        if (x.op === 'wipe') log('released extent wiped', { target: x.target, device: x.device });
      } catch (e) {
        let msg = (e as Error).message;
        if ('path' in x && x.path.startsWith('nvmet/') && !observed.nvmetLoaded) msg = `nvmet is not loaded (modprobe nvmet nvmet-tcp): ${msg}`;
        failed.set(obj, msg);
        log('action failed', { action: x.op, object: obj, error: msg });
      }
    }
    const byTarget = new Map(a.exports.map((e) => [(e.transport === 'iscsi' ? e.iqn : e.nqn) ?? '', e]));
    const states: ExportState[] = [
      ...p.refused,
      ...p.wanted.map((s) => {
        const e = byTarget.get(s.target)!;
        const why = [...failed].find(([obj]) => exportNeeds(e, o.enclosure, obj));
        if (why) return { ...s, state: 'failed' as const, error: why[1] };
        // The backing device's I/O counter (a drive, or the slice's dm-linear device).
        const dev = e.slice ? `/dev/mapper/${dmName(o.enclosure, e.serial, e.offsetGiB)}` : drives.find((d) => d.serial === e.serial)?.device;
        const ioCount = s.state === 'exported' && dev ? blockIoCount(dev) : undefined;
        return ioCount === undefined ? s : { ...s, ioCount };
      }),
    ];
    const clean = states.every((s) => s.state === 'exported') && failed.size === 0;
    // appliedRevision: every action of this set applied, revocations included (a fenced move waits for it).
    await sendReport({ drives: health, exports: states, ...(failed.size === 0 ? { appliedRevision: a.revision } : {}) });
    log('reconciled', { revision: a.revision, actions: p.actions.length, exported: states.filter((s) => s.state === 'exported').length, failed: states.filter((s) => s.state === 'failed').length });
    return clean;
  }

  const register = async () => {
    await client.register(facts());
    log('registered', { drives: drives.length });
  };

  const heartbeat = setInterval(() => {
    client.heartbeat().catch(async (e) => {
      // A composer that does not know this service (a new leader, a restart): register again.
      if ((e as { code?: string }).code === 'not_registered') {
        await register().catch((err) => log('register failed', { error: (err as Error).message }));
        if (last) await sendReport(last);
      } else log('heartbeat failed', { error: (e as Error).message });
    });
  }, o.heartbeatMs ?? 5000);
  heartbeat.unref();

  async function main(): Promise<void> {
    for (let attempt = 0; !stopped; attempt++) {
      try {
        await register();
        break;
      } catch (e) {
        log('register failed', { error: (e as Error).message });
        await sleep(Math.min(5000, 200 * 2 ** attempt), abort.signal);
      }
    }
    let revision: number | undefined;
    let backoff = 0;
    let clean = true;
    let lastReportAt = 0;
    while (!stopped) {
      try {
        const wait = revision === undefined ? 0 : clean ? (o.waitSeconds ?? 30) : Math.max(1, Math.ceil((o.retryMs ?? 5000) / 1000));
        const reportWait = Math.max(1, Math.ceil(((o.reportMs ?? 30_000) - (Date.now() - lastReportAt)) / 1000));
        const a = await client.assignments(revision, Math.min(wait, reportWait), abort.signal);
        if (stopped) break;
        backoff = 0;
        const changed = a.revision !== revision;
        revision = a.revision;
        desired = a;
        // Converge on a change, after failures, and whenever the report is due (drive health).
        if (changed || !clean || Date.now() - lastReportAt >= (o.reportMs ?? 30_000)) {
          clean = await reconcile(a);
          lastReportAt = Date.now();
          cleanAt = clean ? a.revision : undefined;
          notify();
        }
      } catch (e) {
        if (stopped) break;
        clean = false;
        log('pass failed', { error: (e as Error).message });
        backoff = Math.min(5000, backoff ? backoff * 2 : 200);
        await sleep(backoff, abort.signal);
      }
    }
    clearInterval(heartbeat);
  }

  const done = main();
  done.catch(() => undefined);

  return {
    enclosure: o.enclosure,
    done,
    async stop() {
      stopped = true;
      abort.abort();
      clearInterval(heartbeat);
      await done.catch(() => undefined);
    },
    lastReport: () => last,
    converged(timeoutMs = 30_000, atLeast?: number) {
      return new Promise<void>((resolve, reject) => {
        const ok = () => desired !== undefined && cleanAt === desired.revision && (atLeast === undefined || cleanAt >= atLeast);
        if (ok()) return resolve();
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`enclosure ${o.enclosure}: not converged after ${timeoutMs} ms; last report: ${JSON.stringify(last?.exports.filter((s) => s.state !== 'exported'))}`));
        }, timeoutMs);
        const check = () => {
          if (!ok()) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
      });
    },
  };
}
