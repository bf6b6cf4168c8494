// libvirt versions as numbers (major * 1,000,000 + minor * 1,000 + micro), as libvirt encodes them.

/** The oldest libvirt tsvirt binds against: the generated layer assumes its ABI. */
export const MINIMUM_LIBVIRT_VERSION = 1_002_000;

export function parseVersion(text: string): number {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(text);
  if (!m) throw new RangeError(`not a libvirt version: ${JSON.stringify(text)}`);
  return Number(m[1]) * 1_000_000 + Number(m[2]) * 1_000 + Number(m[3]);
}

export function formatVersion(n: number | bigint): string {
  const v = Number(n);
  return `${Math.floor(v / 1_000_000)}.${Math.floor(v / 1_000) % 1_000}.${v % 1_000}`;
}

/** Why a loaded libvirt cannot be used, or null when it can. */
export function unsupportedLibraryReason(loaded: number): string | null {
  if (loaded >= MINIMUM_LIBVIRT_VERSION) return null;
  return `libvirt ${formatVersion(loaded)} is loaded but tsvirt needs libvirt >= ${formatVersion(MINIMUM_LIBVIRT_VERSION)}`;
}

/** Why a symbol introduced in `since` cannot be called on `loaded`, or null when it can. */
export function symbolTooNewReason(name: string, since: string | null, loaded: number): string | null {
  if (since === null || parseVersion(since) <= loaded) return null;
  return `${name} requires libvirt >= ${since}, but the loaded libvirt is ${formatVersion(loaded)}`;
}
