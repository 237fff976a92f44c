/** Reading a command line, shared by every `lab` command: one error type for misuse, one flag walker. */

/** The command line itself is wrong: the command prints its usage and exits with code 2. */
export class UsageError extends Error {}

/**
 * Call `handle` with each argument in turn; `value()` takes the next argument as the flag's value
 * (refusing a missing one, or another flag) so the walk goes on after it.
 */
export function eachFlag(argv: readonly string[], handle: (flag: string, value: () => string) => void): void {
  let at = 0;
  while (at < argv.length) {
    const flag = argv[at++];
    handle(flag, () => {
      const next = argv[at];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      at++;
      return next;
    });
  }
}
