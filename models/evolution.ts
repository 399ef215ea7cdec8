// The contract evolution rule: a new version may only add optional fields (and widen what it
// accepts). Removing, renaming or retyping a field, making an optional field required, adding a
// required field, or narrowing a field's allowed values breaks producers or stored data.
// Comparison works on the JSON Schema each zod contract exports, so it judges exactly what
// producers in every language are told.
import { z } from 'zod';

export type ChangeKind = 'removed' | 'renamed' | 'retyped' | 'made_required' | 'added_required' | 'narrowed' | 'added_optional';

export interface ContractChange {
  kind: ChangeKind;
  field: string;
  breaking: boolean;
  detail: string;
}

interface Prop { type?: string; format?: string; anyOf?: Prop[]; enum?: unknown[]; minimum?: number; maximum?: number; pattern?: string; minLength?: number; maxLength?: number }
interface ObjSchema { properties: Record<string, Prop>; required?: string[] }

function alternatives(p: Prop): Prop[] {
  return p.anyOf ? p.anyOf.flatMap(alternatives) : [p];
}

/** The value type of a field, ignoring nullability and constraints: `string`, `number`, `string:date-time`, ... */
function typeSignature(p: Prop): string {
  return alternatives(p)
    .filter((a) => a.type !== 'null')
    .map((a) => (a.type === 'integer' ? 'number:int' : a.format ? `${a.type}:${a.format}` : (a.type ?? 'enum')))
    .sort()
    .join('|');
}

function nullable(p: Prop): boolean {
  return alternatives(p).some((a) => a.type === 'null');
}

function narrowing(oldP: Prop, newP: Prop): string[] {
  const o = alternatives(oldP).find((a) => a.type !== 'null') ?? oldP;
  const n = alternatives(newP).find((a) => a.type !== 'null') ?? newP;
  const out: string[] = [];
  if (o.enum && n.enum) {
    const lost = o.enum.filter((v) => !n.enum!.includes(v));
    if (lost.length) out.push(`no longer accepts ${lost.map((v) => JSON.stringify(v)).join(', ')}`);
  } else if (!o.enum && n.enum) out.push('restricted to an enumeration');
  if ((n.minimum ?? -Infinity) > (o.minimum ?? -Infinity)) out.push(`minimum raised from ${o.minimum ?? '-∞'} to ${n.minimum}`);
  if ((n.maximum ?? Infinity) < (o.maximum ?? Infinity)) out.push(`maximum lowered from ${o.maximum ?? '∞'} to ${n.maximum}`);
  if ((n.minLength ?? 0) > (o.minLength ?? 0)) out.push(`minLength raised to ${n.minLength}`);
  if ((n.maxLength ?? Infinity) < (o.maxLength ?? Infinity)) out.push(`maxLength lowered to ${n.maxLength}`);
  if (n.pattern !== undefined && n.pattern !== o.pattern) out.push(`pattern changed to ${n.pattern}`);
  if (nullable(o) && !nullable(n)) out.push('no longer accepts null');
  return out;
}

/** Every difference between two object contracts, each marked breaking or not. */
export function compareContracts(older: z.ZodType, newer: z.ZodType): ContractChange[] {
  const a = z.toJSONSchema(older, { io: 'input' }) as unknown as ObjSchema;
  const b = z.toJSONSchema(newer, { io: 'input' }) as unknown as ObjSchema;
  const reqA = new Set(a.required ?? []);
  const reqB = new Set(b.required ?? []);
  const changes: ContractChange[] = [];
  const removed = Object.keys(a.properties).filter((k) => !(k in b.properties));
  const added = Object.keys(b.properties).filter((k) => !(k in a.properties));
  const renamedTo = new Map<string, string>();
  // A removed field and an added field of the same type in the same change look like a rename.
  for (const r of removed) {
    const sig = typeSignature(a.properties[r]!);
    const candidate = added.find((n) => !([...renamedTo.values()].includes(n)) && typeSignature(b.properties[n]!) === sig);
    if (candidate) renamedTo.set(r, candidate);
  }
  for (const r of removed) {
    const to = renamedTo.get(r);
    changes.push(
      to
        ? { kind: 'renamed', field: r, breaking: true, detail: `field ${r} was renamed to ${to} (or removed while ${to} was added): old producers and stored data no longer match` }
        : { kind: 'removed', field: r, breaking: true, detail: `field ${r} was removed` },
    );
  }
  for (const n of added) {
    if ([...renamedTo.values()].includes(n)) continue;
    changes.push(
      reqB.has(n)
        ? { kind: 'added_required', field: n, breaking: true, detail: `new field ${n} is required: events from older producers lack it` }
        : { kind: 'added_optional', field: n, breaking: false, detail: `new optional field ${n}` },
    );
  }
  for (const k of Object.keys(a.properties)) {
    const pb = b.properties[k];
    if (!pb) continue;
    const pa = a.properties[k]!;
    const sa = typeSignature(pa);
    const sb = typeSignature(pb);
    if (sa !== sb) changes.push({ kind: 'retyped', field: k, breaking: true, detail: `field ${k} changed type from ${sa} to ${sb}` });
    else {
      const n = narrowing(pa, pb);
      if (n.length) changes.push({ kind: 'narrowed', field: k, breaking: true, detail: `field ${k} ${n.join('; ')}` });
    }
    if (!reqA.has(k) && reqB.has(k)) changes.push({ kind: 'made_required', field: k, breaking: true, detail: `field ${k} was optional and is now required` });
  }
  return changes;
}

export function breakingChanges(older: z.ZodType, newer: z.ZodType): ContractChange[] {
  return compareContracts(older, newer).filter((c) => c.breaking);
}
