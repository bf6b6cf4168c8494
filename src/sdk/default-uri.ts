/** The URI used when none is given: $LIBVIRT_DEFAULT_URI, else libvirt's built-in test driver. */
export function defaultUri(): string {
  const env = process.env['LIBVIRT_DEFAULT_URI'];
  return env && env.length > 0 ? env : 'test:///default';
}
