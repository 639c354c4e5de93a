// Where commands print: text lines or one JSON document on stdout; diagnostics on stderr.

export class Output {
  format: 'text' | 'json' = 'text';
  line(text: string): void {
    process.stdout.write(`${text}\n`);
  }
  json(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }
  error(code: string, message: string): void {
    if (this.format === 'json') this.json({ error: { code, message } });
    else process.stderr.write(`error: ${message}\n`);
  }
}
