// How long libvirt may call a callback argument, by function. Policy as data with reasons.

export type CallbackLifetime = 'call' | 'freecb' | 'forever' | 'lookup';

export const callbackLifetimes: readonly { match: RegExp; lifetime: CallbackLifetime; why: string }[] = [
  { match: /(Deregister|Unregister\w*Callback)$/, lifetime: 'lookup', why: 'identifies an earlier registration by the same function' },
  { match: /^(virEventRegisterImpl|virSetErrorFunc|virConnSetErrorFunc)$/, lifetime: 'forever', why: 'libvirt keeps the pointer with no free callback; never released' },
  { match: /^virStream\w*(Send|Recv)All$/, lifetime: 'call', why: 'called only while the call runs' },
  { match: /^virConnectOpenAuth$/, lifetime: 'call', why: 'credential callbacks run during the open' },
];

/** Default: a function that also takes a virFreeCallback releases through it. */
export function lifetimeOf(func: string, hasFreeCallback: boolean): CallbackLifetime {
  const rule = callbackLifetimes.find((r) => r.match.test(func));
  if (rule) return rule.lifetime;
  return hasFreeCallback ? 'freecb' : 'forever';
}
