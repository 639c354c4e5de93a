// Where commands print: text lines, raw text, or one JSON/YAML document on stdout; diagnostics on stderr.

import { stringify } from 'yaml';

export class Output {
  format: 'text' | 'json' = 'text';
  line(text: string): void {
    process.stdout.write(`${text}\n`);
  }
  /** Text as is (a kubeconfig, a YAML stream), with a final newline. */
  text(text: string): void {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }
  json(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }
  yaml(value: unknown): void {
    process.stdout.write(stringify(value));
  }
  error(code: string, message: string): void {
    if (this.format === 'json') this.json({ error: { code, message } });
    else process.stderr.write(`error: ${message}\n`);
  }
}
