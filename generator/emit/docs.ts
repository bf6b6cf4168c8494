// TSDoc text from the XML's <info>, made safe inside /** */ comments.

export function docText(text: string): string {
  return text.replace(/\*\//g, '*\\/').replace(/\r/g, '').replace(/[ \t]+$/gm, '').trim();
}

export interface DocParts { summary: string; params?: { name: string; doc: string }[]; returns?: string; since: string | null; extra?: string[] }

export function tsdoc(parts: DocParts): string {
  const lines: string[] = [];
  if (parts.summary) lines.push(docText(parts.summary));
  for (const e of parts.extra ?? []) lines.push('', e);
  if (parts.params?.length || parts.returns || parts.since) lines.push('');
  for (const p of parts.params ?? []) lines.push(`@param ${p.name} - ${docText(p.doc) || p.name}`);
  if (parts.returns) lines.push(`@returns ${docText(parts.returns)}`);
  lines.push(parts.since ? `@since ${parts.since}` : '@since unknown (the API XML has no version for this symbol)');
  return lines.join('\n');
}
