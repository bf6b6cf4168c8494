// Progress of a transfer through a stream, counted in bytes of the stream: data bytes sent or
// received, plus hole bytes skipped (sparse transfers). Numbers, not bigint: progress is
// arithmetic for bars and rates, and stays exact up to 8 PiB.

export interface TransferProgress {
  /** Position in the stream: dataBytes + holeBytes. */
  bytes: number;
  /** What the transfer is expected to reach, when known. */
  total: number | null;
  /** Bytes that travelled as data. */
  dataBytes: number;
  /** Bytes that travelled as holes (sparse transfers): never sent as zeros. */
  holeBytes: number;
}

export type ProgressListener = (progress: TransferProgress) => void;

/** The outcome of a whole-file transfer. */
export interface TransferResult extends TransferProgress {
  total: number;
}

export class ProgressCounter {
  dataBytes = 0;
  holeBytes = 0;

  constructor(readonly total: number | null, private readonly listener?: ProgressListener) {}

  get bytes(): number {
    return this.dataBytes + this.holeBytes;
  }

  data(n: number): void {
    this.dataBytes += n;
    this.emit();
  }

  hole(n: number): void {
    this.holeBytes += n;
    this.emit();
  }

  snapshot(): TransferProgress {
    return { bytes: this.bytes, total: this.total, dataBytes: this.dataBytes, holeBytes: this.holeBytes };
  }

  private emit(): void {
    this.listener?.(this.snapshot());
  }
}
