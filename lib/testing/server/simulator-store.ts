import { STORE_LIMIT } from './simulator.constants';

/**
 * Sets `key` in one of the simulator's maps, first dropping the oldest entry when the map holds {@link STORE_LIMIT}:
 * a development simulator left running for days must not grow without end.
 * @internal
 */
export function setBounded<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= STORE_LIMIT) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
