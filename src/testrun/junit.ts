// JUnit XML for CircleCI: one <testsuite> per spec file, one <testcase> per test with the profile it ran on.
import type { FileResult } from './results.js';

function esc(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JUnit's time attribute: seconds as a plain number. */
const secs = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

export function junitXml(files: readonly FileResult[]): string {
  const lines: string[] = [];
  let total = 0;
  let failures = 0;
  const suites: string[] = [];
  for (const { record: f, tests } of files) {
    const cases: string[] = [];
    let fFailures = 0;
    let skipped = 0;
    for (const t of tests) {
      const classname = t.fullTitle.endsWith(t.title) ? t.fullTitle.slice(0, -t.title.length).trim() || f.file : f.file;
      const props = t.profile ? `\n      <properties><property name="profile" value="${esc(t.profile)}"/></properties>` : '';
      let body = '';
      if (t.state === 'failed') {
        fFailures += 1;
        body = `\n      <failure message="${esc(t.error?.message ?? 'failed')}" type="Error">${esc(t.error?.stack ?? t.error?.message ?? '')}</failure>`;
      } else if (t.state === 'pending') {
        skipped += 1;
        body = '\n      <skipped/>';
      }
      const out = t.profile ? `\n      <system-out>profile: ${esc(t.profile)}</system-out>` : '';
      cases.push(`    <testcase classname="${esc(classname)}" name="${esc(t.title)}" file="${esc(f.file)}" time="${secs(t.durationMs)}">${props}${body}${out}\n    </testcase>`);
    }
    const fileCase = (name: string, body: string): string => `    <testcase classname="${esc(f.file)}" name="${name}" file="${esc(f.file)}" time="${secs(f.end - f.start)}">\n      ${body}\n    </testcase>`;
    if (f.state === 'crashed') {
      fFailures += 1;
      cases.push(fileCase(`file crashed its worker (no result after ${f.attempts} attempt${f.attempts > 1 ? 's' : ''})`, `<failure message="worker crashed" type="Crash">${esc(f.output ?? '')}</failure>`));
    } else if (f.state === 'load-failed') {
      fFailures += 1;
      cases.push(fileCase('file failed to load', `<failure message="${esc(f.output?.split('\n')[0] ?? 'failed to load')}" type="LoadError">${esc(f.output ?? '')}</failure>`));
    } else if (f.state === 'bail') {
      skipped += 1;
      cases.push(fileCase('file not run (bail)', '<skipped message="not run: --bail stopped the run after a failure"/>'));
    }
    total += cases.length;
    failures += fFailures;
    suites.push(`  <testsuite name="${esc(f.file)}" file="${esc(f.file)}" tests="${cases.length}" failures="${fFailures}" skipped="${skipped}" time="${secs(f.end - f.start)}" timestamp="${new Date(f.start).toISOString()}">\n${cases.join('\n')}\n  </testsuite>`);
  }
  lines.push('<?xml version="1.0" encoding="UTF-8"?>');
  lines.push(`<testsuites name="uber test" tests="${total}" failures="${failures}">`);
  lines.push(...suites);
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
