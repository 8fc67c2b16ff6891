/**
 * Holds a secret being typed. Not React state: strings cannot be wiped, so the bytes live in one
 * fixed Buffer that is zeroed when the secret is taken or abandoned. Only the length is exposed
 * for drawing the mask.
 */
export class SecretBuffer {
  #bytes: Buffer;
  #len = 0;

  constructor(capacity = 1024) {
    this.#bytes = Buffer.alloc(capacity);
  }

  get length(): number {
    return this.#len;
  }

  /** Append typed text (UTF-8). Characters past the capacity are dropped rather than reallocating copies. */
  push(text: string): void {
    for (const ch of text) {
      const need = Buffer.byteLength(ch);
      if (this.#len + need > this.#bytes.length) return;
      this.#len += this.#bytes.write(ch, this.#len);
    }
  }

  /** Remove the last character (not just the last byte of a multi-byte one). */
  backspace(): void {
    if (this.#len === 0) return;
    let i = this.#len - 1;
    while (i > 0 && (this.#bytes[i]! & 0xc0) === 0x80) i--;
    this.#bytes.fill(0, i, this.#len);
    this.#len = i;
  }

  /** Hand the secret over as a fresh Buffer (the receiver zeroes it) and wipe our copy. */
  take(): Buffer {
    const out = Buffer.from(this.#bytes.subarray(0, this.#len));
    this.clear();
    return out;
  }

  clear(): void {
    this.#bytes.fill(0);
    this.#len = 0;
  }
}
