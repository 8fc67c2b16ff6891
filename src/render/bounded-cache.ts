/**
 * A memo table that cannot grow without end: two generations, the older dropped whole when the
 * newer fills. Hot keys (rows still on screen) are carried into the newer generation when read,
 * so they survive; keys not seen for a generation go. Used for per-string measurements that are
 * asked for again on every frame, where a plain Map would keep every log line ever drawn.
 */
export class BoundedCache<V> {
  private current = new Map<string, V>();
  private previous = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  get(key: string, compute: (key: string) => V): V {
    let value = this.current.get(key);
    if (value !== undefined) return value;
    value = this.previous.get(key);
    if (value === undefined) value = compute(key);
    if (this.current.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
    return value;
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }
}
