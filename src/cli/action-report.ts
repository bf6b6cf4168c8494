// What every action command (domain start, snapshot create, vol delete, net autostart, secret
// define, ...) reports, in one shape: with --json an object { kind, name, action, ...details },
// else one line, `KIND NAME: WHAT` ("domain test: suspended"). An object that lives in another
// (a snapshot in a domain, a volume in a pool) names it in the line and in the JSON.
import { printJson, type Io } from './args.js';

/** The kinds of object an action is on, as the JSON's `kind` and the line's first word. */
export type ObjectKind = 'domain' | 'snapshot' | 'pool' | 'volume' | 'network' | 'secret' | 'nwfilter';

/**
 * What the line says once each action is done. shutdown and reboot return once the guest was
 * asked, not when it is down: the line says so rather than "shut down".
 */
const DONE = {
  start: 'started',
  shutdown: 'shutting down',
  destroy: 'destroyed',
  reboot: 'rebooting',
  suspend: 'suspended',
  resume: 'resumed',
  define: 'defined',
  undefine: 'undefined',
  create: 'created',
  clone: 'cloned',
  delete: 'deleted',
  revert: 'domain reverted to it',
  autostart: 'autostart',
  screenshot: 'screenshot saved',
  upload: 'uploaded',
  download: 'downloaded',
} as const;

export type Action = keyof typeof DONE;

/** The container of an object that lives in another, as its JSON field and the line's word. */
const WITHIN: Partial<Record<ObjectKind, { field: string; word: string }>> = {
  snapshot: { field: 'domain', word: 'of' },
  volume: { field: 'pool', word: 'in' },
};

export interface ActionResult {
  readonly kind: ObjectKind;
  readonly name: string;
  readonly action: Action;
  /** What else the command tells: the snapshot's domain, a new volume's path, a file written. */
  readonly [detail: string]: unknown;
}

/**
 * Prints `result`: as JSON, or as `KIND NAME[ of|in CONTAINER]: WHAT[ DETAIL]` where WHAT is the
 * action done and `detail` (text only) adds what the details say ("at /pool/a.qcow2").
 */
export function reportAction(io: Io, json: boolean | undefined, result: ActionResult, detail = ''): number {
  if (json) {
    printJson(io, result);
    return 0;
  }
  const within = WITHIN[result.kind];
  const where = within && typeof result[within.field] === 'string' ? ` ${within.word} ${result[within.field] as string}` : '';
  io.stdout.write(`${result.kind} ${result.name}${where}: ${DONE[result.action]}${detail ? ` ${detail}` : ''}\n`);
  return 0;
}
