// <filterref> with its <parameter>s, as a filter includes another filter and as a binding (or a
// guest interface) names the filter it applies: one shape in all three, as in libvirt's nwfilter_params.
import { XmlDocumentError } from './xml-errors.js';
import { ElementReader, ElementWriter, withExtra, type XmlExtra } from './xml-element.js';
import { checkFields, fieldsOf, itemsAt, requireText } from './xml-checks.js';
import type { XmlElement } from './xml-codec.js';

/** One `<parameter name=… value=…>`: a variable the referenced filter reads as `$NAME`. */
export interface NWFilterParameter {
  readonly name: string;
  readonly value: string;
  readonly extra?: XmlExtra;
}

export interface NWFilterReference {
  /** The referenced filter's name. */
  readonly filter: string;
  /**
   * In document order; absent when there are none (as in most references from one filter to
   * another). A name may repeat: the variable is then a list (`IP` given twice lets the filter
   * accept either address). libvirt writes the names sorted, each name's values in order.
   */
  readonly parameters?: readonly NWFilterParameter[];
  readonly extra?: XmlExtra;
}

/**
 * What libvirt takes in a parameter (VALID_VARNAME, VALID_VARVALUE in nwfilter_params.h). It
 * drops any other parameter without a word, and a filter that then misses its `IP` learns the
 * address from the guest's traffic instead: the builder refuses such a parameter.
 */
const PARAMETER_RULES = {
  name: { pattern: /^[A-Za-z0-9_]+$/, allowed: 'letters, digits and _' },
  value: { pattern: /^[A-Za-z0-9_.:]+$/, allowed: 'letters, digits, _, . and :' },
} as const;

export function readFilterRef(r: ElementReader): NWFilterReference {
  const filter = r.requiredAttr('filter');
  const parameters = r.children('parameter').map((p) => withExtra({ name: p.requiredAttr('name'), value: p.requiredAttr('value') }, p));
  return withExtra(parameters.length > 0 ? { filter, parameters } : { filter }, r);
}

const REFERENCE_FIELDS = fieldsOf<NWFilterReference>({ filter: true, parameters: true, extra: true });
const PARAMETER_FIELDS = fieldsOf<NWFilterParameter>({ name: true, value: true, extra: true });

export function writeFilterRef(ref: NWFilterReference, path: string): XmlElement {
  checkFields(ref, REFERENCE_FIELDS, path, true);
  const w = new ElementWriter('filterref', ref.extra).attr('filter', requireText(ref.filter, `${path}/@filter`));
  itemsAt(ref.parameters, `${path}/parameter`, 'objects').forEach(([p, at]) => {
    checkFields(p, PARAMETER_FIELDS, at);
    w.child(new ElementWriter('parameter', p.extra).attrs({ name: checkParameter(p.name, 'name', at), value: checkParameter(p.value, 'value', at) }).finish());
  });
  return w.finish();
}

function checkParameter(value: unknown, field: keyof typeof PARAMETER_RULES, at: string): string {
  const { pattern, allowed } = PARAMETER_RULES[field];
  if (typeof value === 'string' && pattern.test(value)) return value;
  const got = typeof value === 'string' ? `'${value}'` : typeof value;
  throw new XmlDocumentError('invalid-value', `${at}/@${field}`, `must be one or more of ${allowed}, got ${got} (libvirt drops such a parameter without a word)`);
}
