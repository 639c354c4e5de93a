// Child process of cel-hostile.test.ts: evaluates one hostile CEL rule and prints the outcome.
import { CompiledCEL, toCELValue } from '../../src/index.ts';
import { celResource, hostileCEL } from './cel.ts';

const c = hostileCEL[Number(process.argv[2])]!;
const cel = new CompiledCEL([{ name: 'hostile', rule: c.rule }], 'EventSource "x" resourceSelectors[0]');
const outcome = cel.evaluate(toCELValue(celResource), 'EventSource "x" resourceSelectors[0]');
process.stdout.write(`${JSON.stringify({ parse: cel.parseIssues, ...outcome })}\n`);
