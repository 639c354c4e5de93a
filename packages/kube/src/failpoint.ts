// Named crash points for fault-injection tests (etcd's gofail, in miniature): with SVELTOS_FAILPOINTS set
// to a comma-separated list of `name` or `name@N`, the process kills itself with SIGKILL the first (or the
// N-th) time it reaches that point — a crash exactly between two steps, which a test can then recover from.
// Unset (always, in production), a failpoint is one Map lookup.

const armed = new Map<string, number>();
for (const entry of (process.env.SVELTOS_FAILPOINTS ?? '').split(',')) {
  const [name, at] = entry.trim().split('@');
  if (name) armed.set(name, Math.max(1, Number(at ?? '1') || 1));
}

/** Crashes the process here when the test armed this point. */
export function failpoint(name: string): void {
  const remaining = armed.get(name);
  if (remaining === undefined) return;
  if (remaining > 1) {
    armed.set(name, remaining - 1);
    return;
  }
  process.stderr.write(
    `${JSON.stringify({ level: 'error', msg: 'failpoint reached, killing the process', failpoint: name })}\n`,
  );
  process.kill(process.pid, 'SIGKILL');
}
