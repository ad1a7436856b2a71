// Async locks: one per key (serialises changes to one object or name), and a readers-writer gate
// (ordinary mutations share it; inventory replacement and resynchronisation take it alone).

export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

export class RwGate {
  private readers = 0;
  private writer = false;
  private readonly queue: { exclusive: boolean; wake: () => void }[] = [];

  private pump(): void {
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (next.exclusive) {
        if (this.writer || this.readers > 0) return;
        this.writer = true;
      } else {
        if (this.writer) return;
        this.readers++;
      }
      this.queue.shift();
      next.wake();
    }
  }

  private acquire(exclusive: boolean): Promise<void> {
    return new Promise((wake) => {
      this.queue.push({ exclusive, wake });
      this.pump();
    });
  }

  async shared<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire(false);
    try {
      return await fn();
    } finally {
      this.readers--;
      this.pump();
    }
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire(true);
    try {
      return await fn();
    } finally {
      this.writer = false;
      this.pump();
    }
  }
}
