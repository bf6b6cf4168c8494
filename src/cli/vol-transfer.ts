// vol upload and vol download: a volume's data to or from a file, sparse unless --no-sparse,
// with a progress bar on a terminal; Ctrl-C aborts the transfer (interruptible).
import type { StorageVolume, TransferResult } from '../sdk/index.js';
import { interruptible, UsageError, type Io } from './args.js';
import { reportAction } from './action-report.js';
import { progressBar } from './image-command.js';

export interface TransferFlags {
  json?: boolean | undefined; 'no-sparse'?: boolean | undefined; force?: boolean | undefined; offset: number | undefined; length: number | undefined;
}

export function byteCount(option: string, s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new UsageError(`${option}: not a byte count: ${s}`);
  return Number(s);
}

/**
 * vol upload / vol download: holes travel as lengths unless --no-sparse (a download keeps them
 * in the file; an upload sends them where that loses nothing of the volume, else zeros); a
 * progress bar on a terminal's stderr. download refuses to replace FILE unless --force, and
 * never leaves a partial FILE behind.
 */
export function transfer(sub: 'upload' | 'download', vol: StorageVolume, pool: string, file: string, values: TransferFlags, io: Io): Promise<number> {
  const what = sub === 'upload' ? `the upload was aborted; volume ${vol.name} holds part of ${file}` : `the download was aborted; ${file} was not written`;
  return interruptible(io, what, (signal) => transferUntil(signal, sub, vol, pool, file, values, io));
}

async function transferUntil(signal: AbortSignal, sub: 'upload' | 'download', vol: StorageVolume, pool: string, file: string, values: TransferFlags, io: Io): Promise<number> {
  const { offset, length } = values;
  const bar = progressBar(io, true);
  const common = {
    signal,
    sparse: values['no-sparse'] !== true,
    onProgress: (p: { bytes: number; total: number | null }) => bar.tick(p.bytes, p.total ?? 0),
  };
  let r: TransferResult;
  try {
    r = sub === 'upload'
      ? await vol.uploadFile(file, { ...common, ...(offset === undefined ? {} : { offset }) })
      : await vol.downloadToFile(file, { ...common, force: values.force === true, ...(offset === undefined ? {} : { offset }),
        ...(length === undefined ? {} : { length }) });
  } finally {
    bar.end();
  }
  const counts = { bytes: r.bytes, dataBytes: r.dataBytes, holeBytes: r.holeBytes, total: r.total };
  const text = `${sub === 'upload' ? 'from' : 'to'} ${file}: ${r.bytes} bytes (${r.dataBytes} as data, ${r.holeBytes} as holes)`;
  return reportAction(io, values.json, { kind: 'volume', name: vol.name, action: sub, pool, file, ...counts }, text);
}
