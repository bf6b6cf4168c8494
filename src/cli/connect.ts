// What every connecting command shares: --connect/--json, one connection per run, a short report.
import { Connection, eventLoopMode } from '../sdk/index.js';
import { isLibvirtError } from '../ffi/index.js';
import { checkSubcommand, connectUri, type Io, type SubcommandSpec } from './args.js';
import { terminalAuth } from './terminal-auth.js';

export const connectOptions = { connect: { type: 'string', short: 'c' }, json: { type: 'boolean' } } as const;

/**
 * Opens `uri` (see connectUri), runs `body`, closes. Credentials a driver asks for are asked on
 * `io.stdin` when it is a terminal (auth callbacks need the event loop, which TSVIRT_EVENT_LOOP=none turns off).
 */
export async function withConnection<T>(uri: string | undefined, body: (c: Connection) => Promise<T>, io?: Io): Promise<T> {
  const auth = io?.stdin && eventLoopMode() !== 'none' ? { callback: terminalAuth(io.stdin, io.stderr) } : undefined;
  const conn = await Connection.open(connectUri(uri), auth ? { auth } : {});
  try {
    return await body(conn);
  } finally {
    await conn.close();
  }
}

export interface ConnectValues { connect?: string | undefined; json?: boolean | undefined }

/** A subcommand of a connecting command: what it takes, a check of its option values, and its work. */
export interface Subcommand<V extends ConnectValues> extends SubcommandSpec {
  /** Checks option values before anything connects (throws UsageError). */
  readonly check?: (values: V) => void;
  /** `words`: as many as `words` in the spec allows, at least the required ones. */
  readonly run: (conn: Connection, words: string[], values: V, io: Io) => Promise<number>;
}

type Lookup<T> = (conn: Connection, key: string) => Promise<T>;
type More<V extends ConnectValues> = Pick<Subcommand<V>, 'options' | 'check'>;

/**
 * Subcommands on one object, which their first word (`word`: 'NAME', 'POOL') names: `lookup`
 * finds it, and it is freed when `run` is done or has failed. `words` are the words after it
 * (`run` gets them: 'FILE', '[NAME]'); `more` adds options and their check.
 */
export const onObjectWith = <T extends Disposable, V extends ConnectValues>(word: string, lookup: Lookup<T>) =>
  (words: string, run: (o: T, rest: string[], values: V, io: Io, conn: Connection) => Promise<number>, more: More<V> = {}): Subcommand<V> => ({
    ...more,
    words: words ? `${word} ${words}` : word,
    run: async (conn, [key, ...rest], values, io) => {
      using o = await lookup(conn, key as string);
      return await run(o, rest, values, io, conn);
    },
  });

/** Subcommands whose one word (`word`: 'NAME', 'UUID') names the object they are on (see onObjectWith). */
export const onObject = <T extends Disposable, V extends ConnectValues>(word: string, lookup: Lookup<T>) => {
  const on = onObjectWith<T, V>(word, lookup);
  return (run: (o: T, values: V, io: Io) => Promise<number>, more: More<V> = {}): Subcommand<V> => on('', (o, _rest, values, io) => run(o, values, io), more);
};

/** Runs the subcommand `positionals` names: usage errors come before the connection is opened. */
export async function runSubcommand<V extends ConnectValues>(command: string, table: Readonly<Record<string, Subcommand<V>>>,
  positionals: readonly string[], values: V, io: Io): Promise<number> {
  const { spec, words } = checkSubcommand(command, table, positionals, values as Record<string, unknown>);
  spec.check?.(values);
  return await withConnection(values.connect, (conn) => spec.run(conn, words, values, io), io);
}

/**
 * A read that libvirt answers with an internal error when there is nothing to name (a network
 * without a bridge of its own, the host device, which has no parent): null then. Anything else
 * (a lost connection) is passed on.
 */
export async function noneOnInternalError<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (err) {
    if (isLibvirtError(err) && err.codeName === 'VIR_ERR_INTERNAL_ERROR') return null;
    throw err;
  }
}

/** libvirt's "no such domain" (a lookup that found nothing). */
export const noDomain = (err: unknown): err is Error => isLibvirtError(err) && err.codeName === 'VIR_ERR_NO_DOMAIN';
