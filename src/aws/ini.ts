// A strict INI reader for AWS config/credentials files: sections, key = value, nested blocks; errors name the line.
import { UsageError } from '../errors.js';

export type IniSections = Map<string, Map<string, string>>;

/** Parses AWS-style INI text. Throws a UsageError naming file and line for anything it cannot read. */
export function parseIni(text: string, file: string): IniSections {
  const sections: IniSections = new Map();
  let current: Map<string, string> | undefined;
  let nestedUnder: string | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((rawLine, i) => {
    const line = rawLine.replace(/^\s*[#;].*$/, '');
    if (line.trim() === '') return;
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      const name = header[1]!.trim();
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      nestedUnder = undefined;
      return;
    }
    const fail = (why: string): never => {
      throw new UsageError('ERR_UBER_PROFILE_FILE', `${file} line ${i + 1} ${why}; fix the file (AWS INI format: [profile name] then key = value lines).`);
    };
    if (!current) fail('has a setting before any [section]');
    const kv = /^(\s*)([^=\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(line);
    if (!kv) return fail(`cannot be read ("${line.trim().slice(0, 40)}")`);
    const [, indent, key, value] = kv as unknown as [string, string, string, string];
    if (indent.length > 0 && nestedUnder !== undefined) {
      current!.set(`${nestedUnder}.${key}`, value);
      return;
    }
    if (value === '') nestedUnder = key; // a nested block such as "s3 =" follows
    else nestedUnder = undefined;
    current!.set(key, value);
  });
  return sections;
}
