import { probeAll, toolPath } from './probe';
import { runMain } from '../kit/cli';

/** One row per tool: pinned, found, path; a one-line fix for each missing or wrong tool. */
async function main(): Promise<number> {
  const states = await probeAll();
  const rows = states.map((s) => [
    s.ok ? '✓' : '✗',
    s.tool.name,
    s.tool.source.kind === 'apt' ? `${s.tool.version}.x` : s.tool.version,
    s.found ?? 'missing',
    s.path ?? toolPath(s.tool.name),
  ]);
  const header = ['', 'tool', 'pinned', 'found', 'path'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  '));

  const broken = states.filter((s) => !s.ok);
  for (const s of broken) {
    const what = s.found ? `${s.tool.name} is ${s.found}, pinned ${s.tool.version}` : `${s.tool.name} is missing`;
    console.error(`fix: ${what}: run \`npx projen tools:install ${s.tool.name}\``);
  }
  return broken.length === 0 ? 0 : 1;
}

runMain(main);
