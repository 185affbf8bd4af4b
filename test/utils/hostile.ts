/** `{"key":{"key":…{"key":"x"}…}}`, `depth` objects deep. */
export function deepJson(depth: number, key: string): string {
  return `${`{"${key}":`.repeat(depth)}"x"${'}'.repeat(depth)}`;
}
