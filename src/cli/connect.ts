// What every connecting command shares: --connect/--json, one connection per run, a short report.
import { Connection } from '../sdk/index.js';
import { connectUri, printJson, type Io } from './args.js';

export const connectOptions = { connect: { type: 'string', short: 'c' }, json: { type: 'boolean' } } as const;

export async function withConnection<T>(uri: string | undefined, body: (c: Connection) => Promise<T>): Promise<T> {
  const conn = await Connection.open(connectUri(uri));
  try {
    return await body(conn);
  } finally {
    await conn.close();
  }
}

/** The outcome of an action: JSON with --json, else one line of text. */
export function report(io: Io, json: boolean | undefined, what: Record<string, unknown>, text: string): number {
  if (json) printJson(io, what);
  else io.stdout.write(`${text}\n`);
  return 0;
}
