/**
 * Syntax errors in words of our own. The parsers' messages quote the text they stumbled on
 * (yaml: "Invalid escape sequence \q", "reserved character @"; json5: "invalid character 'S'"),
 * and that text may be a secret: only the position and the kind of mistake are reported.
 */

/** yaml's error codes (yaml 2.x ErrorCode) in plain words. */
const YAML_CODES: Record<string, string> = {
  ALIAS_PROPS: 'an alias cannot have a tag or an anchor',
  BAD_ALIAS: 'invalid alias',
  BAD_DIRECTIVE: 'invalid directive',
  BAD_DQ_ESCAPE: 'invalid escape sequence in a double-quoted string',
  BAD_INDENT: 'bad indentation, or an unclosed flow collection ([ or {)',
  BAD_PROP_ORDER: 'an anchor or tag in the wrong place',
  BAD_SCALAR_START: 'a plain value cannot start with this character (quote it)',
  BLOCK_AS_IMPLICIT_KEY: 'nested mappings are not allowed in compact mappings',
  BLOCK_IN_FLOW: 'block syntax inside a flow collection ([ ] or { })',
  DUPLICATE_KEY: 'map keys must be unique',
  IMPOSSIBLE: 'unexpected input',
  KEY_OVER_1024_CHARS: 'an implicit key longer than 1024 characters',
  MISSING_CHAR: 'a closing quote or bracket is missing',
  MULTILINE_IMPLICIT_KEY: 'implicit keys need to be on a single line',
  MULTIPLE_ANCHORS: 'more than one anchor on a node',
  MULTIPLE_DOCS: 'more than one document (the file must hold one)',
  MULTIPLE_TAGS: 'more than one tag on a node',
  NON_STRING_KEY: 'keys must be strings',
  RESOURCE_EXHAUSTION: 'aliases expand too much',
  TAB_AS_INDENT: 'tabs are not allowed as indentation',
  TAG_RESOLVE_FAILED: 'a tag could not be resolved',
  UNEXPECTED_TOKEN: 'unexpected token',
  BAD_COLLECTION_TYPE: 'the collection does not fit its tag',
};

/** "syntax error at column 4: map keys must be unique"; the line goes on the issue. */
export function yamlSyntaxMessage(code: string, column: number | undefined): string {
  const what = Object.hasOwn(YAML_CODES, code) ? YAML_CODES[code] : 'invalid YAML';
  return `syntax error${column === undefined ? '' : ` at column ${column}`}: ${what}`;
}

/** What doc.toJS() throws (an unresolved alias, too many aliases), without the alias' name. */
export function yamlLoadMessage(err: unknown): string {
  const alias = err instanceof Error && /alias/i.test(err.message);
  return alias ? 'cannot load YAML: an alias is unresolved or expands too much' : 'cannot load YAML';
}

/** json5's SyntaxError ("JSON5: invalid character 'x' at 3:16") -> the kind of mistake alone. */
export function json5SyntaxMessage(message: string, column: number | undefined): string {
  const what = /invalid end of input/.test(message)
    ? 'unexpected end of input'
    : /invalid identifier character/.test(message)
      ? 'invalid character in a key'
      : 'unexpected character';
  return `syntax error${column === undefined ? '' : ` at column ${column}`}: ${what}`;
}
