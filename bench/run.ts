import { benchJenkins } from './jenkins.js';
import { benchPlan } from './plan.js';
import { benchTools } from './tools.js';
import { benchValidate } from './validate.js';

/** Every benchmark, by name; `npm run bench -- NAME…` runs some, no argument runs all. */
const BENCHMARKS: ReadonlyMap<string, () => void | Promise<void>> = new Map([
  ['validate', benchValidate],
  ['plan', benchPlan],
  ['tools', benchTools],
  ['jenkins', benchJenkins],
]);

const wanted = process.argv.slice(2);
for (const [name, run] of BENCHMARKS) {
  if (wanted.length === 0 || wanted.includes(name)) await run();
}
