/**
 * The long config-fuzzing campaign (issue 12): `node --import tsx scripts/fuzz-config.ts [cases] [seed]`
 * runs `cases` (default 10,000) seeded cases of test/fixtures/config-fuzz.ts on the active backend
 * and prints the outcome counts per target and every failure (anything but an ArgumentError or a
 * working object). Exits 1 if there was a failure.
 */
import { getBackend, setBackend } from '../src/index.js';
import { fuzzConfigs } from '../test/fixtures/config-fuzz.js';

// The library's own entry does not read the environment (browsers have none): do it here.
if (process.env.BACKPROP_BACKEND) setBackend(process.env.BACKPROP_BACKEND);
const cases = Number(process.argv[2] ?? 10_000);
const seed = Number(process.argv[3] ?? 12);
const report = await fuzzConfigs(seed, cases);
const totals: Record<string, number> = {};
for (const [key, n] of Object.entries(report.counts)) {
  const outcome = key.split(' → ')[1]!;
  totals[outcome] = (totals[outcome] ?? 0) + n;
}
console.log(`config fuzz: ${report.cases} cases, seed ${seed}, backend ${getBackend().name}`);
console.log('outcomes:', JSON.stringify(totals));
for (const [key, n] of Object.entries(report.counts).sort()) console.log(`  ${key}: ${n}`);
for (const f of report.failures.slice(0, 50)) console.log(`FAILURE ${f.target} { ${f.options} }: ${f.error}`);
console.log(`${report.failures.length} failures`);
process.exitCode = report.failures.length > 0 ? 1 : 0;
