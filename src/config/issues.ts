/** What zod found wrong in a configuration file, in the words of the file formats. */
import type { z } from 'zod';
import type { PathIssue } from './env.js';

/** zod issues -> key-path problems with plain-language messages. They name what was expected
 * and the type found, never the value: a misplaced or mistyped secret must not reach a log line
 * or an HTTP answer. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): PathIssue[] {
  const out: PathIssue[] = [];
  for (const issue of issues) {
    const at = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: [...at, key], message: 'unknown key' });
    } else if (issue.code === 'invalid_type') {
      const message =
        issue.input === undefined ? 'missing required key' : `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${typeName(issue.input)}`;
      out.push({ path: at, message });
    } else if (issue.code === 'invalid_value') {
      // The allowed values come from the schema; the input is not shown.
      out.push({ path: at, message: `must be one of ${issue.values.map(String).join(', ')}` });
    } else {
      out.push({ path: at, message: issue.message });
    }
  }
  return out;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

/** The type of a value in the words of the file formats; never the value itself. */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'object':
      return 'a mapping';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return 'a value of another type';
  }
}
