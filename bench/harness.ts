import { performance } from 'node:perf_hooks';

/** One measured figure: the median of several runs, in milliseconds. */
export function measure(runs: number, work: () => void): number {
  const times: number[] = [];
  work(); // warm-up: JIT and caches, not counted
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/** Peak resident set size of this process so far, in MiB. */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function printTable(title: string, rows: Record<string, string | number>[]): void {
  console.log(`\n${title}`);
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] as object);
  const cell = (value: string | number | undefined) =>
    typeof value !== 'number'
      ? String(value ?? '')
      : Number.isInteger(value)
        ? String(value)
        : value.toFixed(value < 10 ? 2 : 1);
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => cell(row[column]).length)),
  );
  console.log(columns.map((column, index) => column.padStart(widths[index] as number)).join('  '));
  for (const row of rows)
    console.log(
      columns.map((column, index) => cell(row[column]).padStart(widths[index] as number)).join('  '),
    );
}
