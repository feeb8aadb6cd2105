// ${VAR} / ${VAR:-default} expansion, $${ escapes, and YAML re-typing of wholly-interpolated plain scalars.
import { describe, expect, it } from 'vitest';
import { expandString, retype } from '../../../src/config/interpolate.js';

const env = { HOST: 'example.org', PORT: '8443', EMPTY: '', DOLLAR: '${HOST}' };

function value(text: string): string {
  const r = expandString(text, env);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

function problem(text: string): string {
  const r = expandString(text, env);
  if (r.ok) throw new Error(`expanded to ${r.value}`);
  return r.message;
}

describe('expandString', () => {
  it('expands variables, any number per string', () => {
    expect(value('${HOST}')).toBe('example.org');
    expect(value('https://${HOST}:${PORT}/x')).toBe('https://example.org:8443/x');
    expect(value('${HOST}${PORT}')).toBe('example.org8443');
  });

  it('uses the default when the variable is unset or empty', () => {
    expect(value('${NOPE:-fallback}')).toBe('fallback');
    expect(value('${EMPTY:-fallback}')).toBe('fallback');
    expect(value('${HOST:-fallback}')).toBe('example.org');
    expect(value('${NOPE:-}')).toBe('');
    expect(value('${NOPE:-a:-b c}')).toBe('a:-b c');
  });

  it('keeps an empty variable without a default as empty', () => {
    expect(value('x${EMPTY}y')).toBe('xy');
  });

  it('treats $${ as a literal ${ and a lone $ as itself', () => {
    expect(value('$${HOST}')).toBe('${HOST}');
    expect(value('cost: $5 and $$ and $')).toBe('cost: $5 and $$ and $');
    expect(value('$${HOST} is ${HOST}')).toBe('${HOST} is example.org');
  });

  it('does not expand again what a variable produced', () => {
    expect(value('${DOLLAR}')).toBe('${HOST}');
  });

  it('reports an unset variable without default, naming it', () => {
    expect(problem('a ${MISSING_VAR} b')).toBe(
      'environment variable MISSING_VAR is not set (give a default with ${MISSING_VAR:-value})',
    );
  });

  it('reports malformed references', () => {
    expect(problem('${HOST')).toContain('unterminated "${"');
    expect(problem('${}')).toContain('invalid variable reference "${}"');
    expect(problem('${9X}')).toContain('invalid variable reference');
    expect(problem('${A-b}')).toContain('invalid variable reference');
    expect(problem('${A:-${B}}')).toBe('nested "${" in the default of ${A} is not supported');
  });

  it('tells whether the value came wholly from expressions', () => {
    const whole = expandString('${PORT}${NOPE:-0}', env);
    const mixed = expandString('p${PORT}', env);
    const escaped = expandString('$${PORT}', env);
    expect(whole.ok && whole.onlyVariables).toBe(true);
    expect(mixed.ok && mixed.onlyVariables).toBe(false);
    expect(escaped.ok && escaped.onlyVariables).toBe(false);
  });
});

describe('retype', () => {
  it('types scalars as YAML 1.2 core would', () => {
    expect(retype('8080')).toBe(8080);
    expect(retype('1.5')).toBe(1.5);
    expect(retype('0x10')).toBe(16);
    expect(retype('true')).toBe(true);
    expect(retype('false')).toBe(false);
    expect(retype('null')).toBe(null);
  });

  it('never lets a value inject YAML structure or lose text', () => {
    expect(retype('a: b')).toBe('a: b');
    expect(retype('[1, 2]')).toBe('[1, 2]');
    expect(retype('{x: 1}')).toBe('{x: 1}');
    expect(retype('- item')).toBe('- item');
    expect(retype('8080 # comment')).toBe('8080 # comment');
    expect(retype('*alias')).toBe('*alias');
    expect(retype('')).toBe('');
    expect(retype('hello')).toBe('hello');
  });
});
