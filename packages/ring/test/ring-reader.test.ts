import { describe, expect, it } from 'vitest';
import { createRingBuffer, HEADER_WORDS, Reconstructor, RingReader, RingWriter, SwitchReason } from '../src/index.js';

// The reader's side of the hand-off, one behaviour at a time: being woken by a seal, the
// conditions under which a live copy is taken, the end of a ring, and the room kept in the
// layout for payload words. The model tests (ring-model.test.ts) cover the stacks themselves.

function ring(capacity = 8) {
  const buffer = createRingBuffer({ subBufferCount: 4, subBufferBytes: (HEADER_WORDS + capacity + 1) * 4 });
  return { writer: new RingWriter(buffer), reader: new RingReader(buffer) };
}

describe('RingReader', () => {
  it('is woken by a seal (Atomics.notify), and its waits time out when nothing is sealed', async () => {
    const { writer, reader } = ring();
    writer.enter(1);
    // waitSealedAsync does not block the event loop: the timer that seals runs while it waits.
    let t0 = performance.now();
    const woken = reader.waitSealedAsync(10_000);
    setTimeout(() => writer.flush(), 20);
    expect(await woken).toBe(true);
    // Without the notify the wait would only end at its timeout.
    expect(performance.now() - t0).toBeLessThan(5_000);

    t0 = performance.now();
    expect(await reader.waitSealedAsync(30)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    expect(reader.waitSealed(10)).toBe(false);
    writer.flush();
    expect(reader.waitSealed(10_000)).toBe(true); // already sealed: returns at once
    expect(reader.takeAll().map((s) => s.reason & SwitchReason.FLUSH)).toEqual([SwitchReason.FLUSH, SwitchReason.FLUSH]);
  });

  it('takes a live copy only while a request holds the writer and nothing sealed is waiting', () => {
    const { writer, reader } = ring();
    const rec = new Reconstructor();
    writer.enter(1);
    writer.enter(2);
    expect(reader.readLive()).toBeNull(); // no request: the writer may be moving

    const serial = reader.requestSwitch();
    const live = reader.readLive()!;
    expect(live).not.toBeNull();
    expect(live.reason & SwitchReason.LIVE).toBe(SwitchReason.LIVE);
    expect(live.request).toBe(serial);
    expect(Array.from(rec.push(live).frames)).toEqual([1, 2]);

    writer.enter(3); // answers the request: seals [1, 2]
    expect(reader.answered(serial)).toBe(true);
    reader.requestSwitch();
    expect(reader.readLive()).toBeNull(); // a sealed sub-buffer comes first
    expect(reader.takeAll().map((s) => Array.from(rec.push(s).frames))).toEqual([[1, 2]]);
    const next = reader.readLive()!;
    expect(Array.from(rec.push(next).frames)).toEqual([1, 2, 3]);
    // A live copy does not advance the reconstructed stack: the sealed sub-buffer does.
    writer.exit(2);
    expect(reader.takeAll().map((s) => Array.from(rec.push(s).frames))).toEqual([[1, 2, 3]]);

    writer.close();
    expect(reader.takeAll().length).toBe(1);
    reader.requestSwitch();
    expect(reader.readLive()).toBeNull(); // a closed ring has nothing live
  });

  it('drops a live copy when the writer moved while it was copied (validated, not torn)', () => {
    // The writer runs on another thread in real use; here it moves from inside the reader's
    // copy, at the one moment validation exists for. Every kind of move must void the copy.
    const moves: Array<[string, (w: RingWriter, tokens: number[]) => void]> = [
      ['a call', (w) => void w.enter(9)],
      ['a return', (w, t) => w.exit(t[1]!)],
      ['a return below the sub-buffer', (w, t) => w.exit(t[0]!)],
      ['a flush', (w) => w.flush()],
    ];
    for (const [what, move] of moves) {
      const { writer, reader } = ring();
      const tokens = [writer.enter(1), writer.enter(2)];
      writer.flush(); // the next sub-buffer starts at depth 2: a return to 0 is a return marker
      reader.takeAll();
      reader.requestSwitch();
      const internals = reader as unknown as { copy: (...args: unknown[]) => unknown };
      const copy = internals.copy;
      internals.copy = function (this: unknown, ...args: unknown[]) {
        const sub = copy.apply(this, args);
        move(writer, tokens);
        return sub;
      };
      expect(reader.readLive(), what).toBeNull();
      internals.copy = copy;
      // What the writer sealed when it moved is still there to take.
      expect(reader.takeAll().length, what).toBeGreaterThan(0);
    }
  });

  it('ends with a sub-buffer marked CLOSE; the thread still knows its own stack afterwards', () => {
    const { writer, reader } = ring(4);
    writer.enter(1);
    writer.enter(2);
    expect(reader.closed).toBe(false);
    writer.close();
    writer.close(); // idempotent
    expect(reader.closed).toBe(true);
    const subs = reader.takeAll();
    expect(subs.length).toBe(1);
    expect(subs[0]!.reason & (SwitchReason.CLOSE | SwitchReason.FLUSH)).toBe(SwitchReason.CLOSE | SwitchReason.FLUSH);
    expect(Array.from(new Reconstructor().push(subs[0]!).frames)).toEqual([1, 2]);

    // After close nothing is published, requests are dropped, and the stack stays exact, even
    // past the end of a sub-buffer (capacity 4 here).
    reader.requestSwitch(); // taken by an enter
    const tokens = [3, 4, 5, 6, 7, 8].map((id) => writer.enter(id));
    reader.requestSwitch(); // taken by an exit
    writer.exit(tokens[3]!);
    writer.flush();
    expect(Array.from(writer.stack())).toEqual([1, 2, 3, 4, 5]);
    expect(reader.take()).toBeNull();
    expect(reader.readLive()).toBeNull();
  });

  it('reads rings whose records have payload words; the writer refuses them until it can fill them', () => {
    const buffer = createRingBuffer({ subBufferCount: 2, subBufferBytes: 4096, payloadWords: 2 });
    expect(new RingReader(buffer).capacity).toBe(Math.floor((1024 - HEADER_WORDS) / 3) - 1);
    expect(() => new RingWriter(buffer)).toThrow(/one-word records/);
  });
});
