// The addon's TypeScript declarations (ingest/native.ts, lake/parquet-encoder.ts,
// ingest/kafka-codecs.ts) are hand-written beside the Rust they describe: this test reads both
// sides and fails when they disagree on a name, a getter or a number of parameters, and checks
// the built addon has every declared name.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../../native/addon.js';

const root = join(import.meta.dirname, '..', '..', '..');

/** A member of the addon's interface: a method (its parameter count), a getter, or a constructor. */
type Member = { kind: 'method'; params: number } | { kind: 'getter' } | { kind: 'constructor'; params: number };
type Surface = Map<string, Map<string, Member>>;

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Splits a parameter list at its top-level commas. */
function params(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of list) {
    if ('<([{'.includes(ch)) depth++;
    if ('>)]}'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out.map((p) => p.trim()).filter((p) => p && !/^&(mut )?self$/.test(p) && !/^env: Env$/.test(p));
}

/** What native/src exports to JavaScript: '' holds the top-level functions, else one entry per #[napi] class. */
function rustSurface(): Surface {
  const out: Surface = new Map([['', new Map()]]);
  const dir = join(root, 'native', 'src');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.rs'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    // #[napi(...)] attributes, then doc comments or other attributes, then a pub fn; or an impl.
    const re = /#\[napi(?:\(((?:"[^"]*"|[^)"])*)\))?\]\s*(?:(?:\/\/\/[^\n]*|#\[[^\n]*\])\s*)*(pub fn (\w+)\s*(?:<[^>]*>)?\(([^)]*(?:\([^)]*\)[^)]*)*)\)|impl (\w+) \{|pub struct (\w+))/g;
    let cls = '';
    let clsEnd = -1;
    for (const m of text.matchAll(re)) {
      const at = m.index!;
      if (at > clsEnd) cls = '';
      if (m[5]) {
        cls = m[5];
        // The impl ends at the first line that is a lone closing brace after it.
        clsEnd = text.indexOf('\n}\n', at);
        if (!out.has(cls)) out.set(cls, new Map());
        continue;
      }
      if (m[6]) {
        if (!out.has(m[6])) out.set(m[6], new Map());
        continue;
      }
      const attr = m[1] ?? '';
      const name = /js_name = "(\w+)"/.exec(attr)?.[1] ?? camel(m[3]!);
      const n = params(m[4]!).length;
      const member: Member = /\bconstructor\b/.test(attr) ? { kind: 'constructor', params: n } : /\bgetter\b/.test(attr) ? { kind: 'getter' } : { kind: 'method', params: n };
      out.get(cls)!.set(member.kind === 'constructor' ? 'constructor' : name, member);
    }
  }
  return out;
}

/** The members of the named interfaces of a TypeScript file. */
function tsInterfaces(file: string, names: string[]): Map<string, Map<string, Member>> {
  const source = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const out = new Map<string, Map<string, Member>>();
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || !names.includes(node.name.text)) return;
    const members = new Map<string, Member>();
    for (const m of node.members) {
      const name = m.name && (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name)) ? m.name.text : undefined;
      if (!name) continue;
      if (ts.isMethodSignature(m)) members.set(name, { kind: 'method', params: m.parameters.length });
      else if (ts.isPropertySignature(m) && m.type && ts.isConstructorTypeNode(m.type)) members.set(name, { kind: 'constructor', params: m.type.parameters.length });
      else if (ts.isPropertySignature(m)) members.set(name, { kind: 'getter' });
    }
    out.set(node.name.text, members);
  });
  for (const n of names) if (!out.has(n)) throw new Error(`${file} declares no interface ${n}`);
  return out;
}

const rust = rustSurface();
const native = tsInterfaces('ingest/native.ts', ['Addon', 'RawIngest', 'SealedBatch', 'DeviceSet']);
const encoder = tsInterfaces('lake/parquet-encoder.ts', ['NativeEncoder']).get('NativeEncoder')!;
const codecs = tsInterfaces('ingest/kafka-codecs.ts', ['CodecAddon']).get('CodecAddon')!;

/** A class's members as TypeScript declares them, with its constructor from Addon (`Name: new (...)`). */
function declaredClass(name: string): Map<string, Member> {
  const members = new Map(native.get(name) ?? []);
  const ctor = native.get('Addon')!.get(name);
  if (ctor) members.set('constructor', ctor);
  return members;
}

describe('the addon\'s TypeScript declarations match native/src', () => {
  it('finds the addon\'s classes and functions in the Rust sources', () => {
    expect([...rust.keys()].sort()).toEqual(['', 'DeviceSet', 'RawIngest', 'RawSpec', 'SealedBatch']);
    expect(rust.get('RawIngest')!.get('consumeRuns')).toEqual({ kind: 'method', params: 4 });
  });

  for (const cls of ['RawIngest', 'SealedBatch', 'DeviceSet']) {
    it(`${cls}: the same methods (and parameter counts), getters and constructor`, () => {
      expect(Object.fromEntries(declaredClass(cls))).toEqual(Object.fromEntries(rust.get(cls)!));
    });
  }

  it('RawSpec: the constructor Addon declares', () => {
    expect(native.get('Addon')!.get('RawSpec')).toEqual(rust.get('RawSpec')!.get('constructor'));
  });

  it('every top-level function is declared once, with its parameter count', () => {
    const fns = new Map<string, Member>();
    for (const [n, m] of native.get('Addon')!) if (m.kind === 'method') fns.set(n, m);
    for (const [n, m] of [...encoder, ...codecs]) {
      expect(fns.has(n), `${n} declared twice`).toBe(false);
      fns.set(n, m);
    }
    expect(Object.fromEntries(fns)).toEqual(Object.fromEntries(rust.get('')!));
  });

  it('the built addon has every declared name', () => {
    const { addon, error } = loadNativeAddon<Record<string, unknown>>();
    expect(error).toBeUndefined();
    for (const n of rust.get('')!.keys()) expect(typeof addon![n], n).toBe('function');
    for (const cls of ['RawIngest', 'SealedBatch', 'DeviceSet', 'RawSpec']) {
      const proto = (addon![cls] as { prototype: object }).prototype;
      for (const [n, m] of rust.get(cls)!) if (m.kind !== 'constructor') expect(n in proto, `${cls}.${n}`).toBe(true);
    }
  });
});
