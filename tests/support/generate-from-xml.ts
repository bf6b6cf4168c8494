// Test helpers: generate from XML text, without touching api-xml/ or generated/.
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, loadApi, type GenerateOptions } from '../../generator/generate.js';

/** `companions`: other API descriptions by file name (libvirt-qemu-api.xml, ...). */
export interface XmlSet { api: string; overrides?: string; companions?: Record<string, string> }

/** Writes the XML to a fresh directory and returns it (the caller removes it). */
export function writeXmlDir(xml: XmlSet): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-xml-'));
  mkdirSync(join(dir, 'api'));
  writeFileSync(join(dir, 'api', 'libvirt-api.xml'), xml.api);
  if (xml.overrides) writeFileSync(join(dir, 'api', 'tsvirt-overrides.xml'), xml.overrides);
  for (const [file, text] of Object.entries(xml.companions ?? {})) writeFileSync(join(dir, 'api', file), text);
  return dir;
}

export function generateFromXml(xml: XmlSet, options: GenerateOptions = {}): Map<string, string> {
  const dir = writeXmlDir(xml);
  try {
    return generate(loadApi(join(dir, 'api')), options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A minimal libvirt-api.xml (or, given `name`, a companion's) around the given symbols (and a file entry per header). */
export function apiXml(symbols: string, headers: string[] = ['libvirt-host'], name = 'libvirt'): string {
  const files = headers.map((h) => `<file name='${h}'><summary>${h}</summary></file>`).join('');
  return `<?xml version="1.0"?><api name='${name}'><files>${files}</files><symbols>${symbols}</symbols></api>`;
}
