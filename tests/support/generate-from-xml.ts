// Test helpers: generate from XML text, without touching api-xml/ or generated/.
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, loadApi, type GenerateOptions } from '../../generator/generate.js';

export interface XmlSet { api: string; overrides?: string }

/** Writes the XML to a fresh directory and returns it (the caller removes it). */
export function writeXmlDir(xml: XmlSet): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-xml-'));
  mkdirSync(join(dir, 'api'));
  writeFileSync(join(dir, 'api', 'libvirt-api.xml'), xml.api);
  if (xml.overrides) writeFileSync(join(dir, 'api', 'tsvirt-overrides.xml'), xml.overrides);
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

/** A minimal libvirt-api.xml around the given symbols (and a file entry per header). */
export function apiXml(symbols: string, headers: string[] = ['libvirt-host']): string {
  const files = headers.map((h) => `<file name='${h}'><summary>${h}</summary></file>`).join('');
  return `<?xml version="1.0"?><api name='libvirt'><files>${files}</files><symbols>${symbols}</symbols></api>`;
}
