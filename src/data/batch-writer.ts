// Writes that arrive while an earlier one is under way go to the database together, in one statement.
/**
 * Group writing: the first write goes out at once; those that arrive while it runs wait for it and then go out
 * together in one multi-row statement (up to `maxBatch` rows), in the order they came. A write's promise settles
 * once its own statement has committed, so a caller that awaits it knows its row is stored, exactly as with a
 * statement of its own. Under load, N concurrent publishes cost about one statement (and one log flush) per round
 * instead of N; alone, a write waits for nothing.
 */
export class BatchWriter<T> {
  private readonly queue: Array<{ item: T; resolve: () => void; reject: (err: unknown) => void }> = [];
  private writing = false;

  constructor(private readonly writeMany: (items: T[]) => Promise<unknown>, private readonly maxBatch = 50) {}

  write(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          await this.writeMany(batch.map((b) => b.item));
          for (const b of batch) b.resolve();
        } catch (err) {
          if (batch.length === 1) {
            batch[0].reject(err);
            continue;
          }
          // One bad row must not cost the others theirs: each is written again on its own.
          for (const b of batch) {
            try {
              await this.writeMany([b.item]);
              b.resolve();
            } catch (one) {
              b.reject(one);
            }
          }
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
