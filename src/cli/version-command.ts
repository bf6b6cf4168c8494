// tsvirt version: this package, the loaded libvirt, and the libvirt the bindings came from.
import { readFileSync } from 'node:fs';
import { apiInfo } from '../../generated/api-symbols.js';
import { formatVersion, loadedLibvirtVersion } from '../ffi/index.js';
import { noArguments, parseCommandArgs, printJson, type Io } from './args.js';

export function packageVersion(): string {
  // From dist/src/cli or src/cli alike, package.json is three or two levels up.
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tsvirt' && pkg.version) return pkg.version;
    } catch { /* try the next location */ }
  }
  return 'unknown';
}

export function runVersion(argv: string[], io: Io): number {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } });
  noArguments('version', positionals);
  const info = {
    tsvirt: packageVersion(),
    libvirtLoaded: formatVersion(loadedLibvirtVersion()),
    libvirtApiXml: apiInfo.libvirtVersion,
    apiInputs: apiInfo.inputs,
  };
  if (values.json) printJson(io, info);
  else {
    io.stdout.write(`tsvirt ${info.tsvirt}\n`);
    io.stdout.write(`libvirt loaded: ${info.libvirtLoaded}\n`);
    io.stdout.write(`bindings generated from: libvirt ${info.libvirtApiXml ?? 'unknown'} (${info.apiInputs.join(', ')})\n`);
  }
  return 0;
}
