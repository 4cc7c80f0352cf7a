/**
 * A POSIX shell word that stands for exactly `s`: single-quoted, each `'` written as `'\''`. For
 * the scripts and check commands Flotilla renders; user input still never reaches a shell string
 * unquoted.
 */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
