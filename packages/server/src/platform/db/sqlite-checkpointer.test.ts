import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';
import { CHECKPOINT_BYTES, LOG_KEPT_BYTES } from './sqlite-checkpointer.js';

describe('SQLite checkpoints off the main thread', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'licensor-checkpoint-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Commits `bytes` of rows in one transaction on the writing connection. */
  function write(sqlite: NonNullable<ReturnType<typeof openDatabase>['sqlite']>, bytes: number) {
    sqlite.exec('create table if not exists filler (b blob)');
    const insert = sqlite.prepare('insert into filler values (randomblob(4000))');
    sqlite.transaction(() => {
      for (let i = 0; i < bytes / 4000; i++) insert.run();
    })();
  }

  it('a commit past the log limit returns at once, and the log reaches the file afterwards', async () => {
    const dir = tempDir();
    const handle = openDatabase({ dataDir: dir, databaseUrl: undefined, databaseSchema: undefined });
    const file = path.join(dir, 'licensor.sqlite');
    const before = fs.statSync(file).size;
    write(handle.sqlite!, CHECKPOINT_BYTES * 1.5);
    // SQLite's own checkpoint would have copied the log into the file inside that commit.
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(CHECKPOINT_BYTES);
    expect(fs.statSync(file).size).toBe(before);
    await expect.poll(() => fs.statSync(file).size).toBeGreaterThan(CHECKPOINT_BYTES);
    // Once all is copied, the next commit starts the log again, cut back, so its size says again how much waits.
    await expect
      .poll(() => {
        write(handle.sqlite!, 4_000);
        return fs.statSync(`${file}-wal`).size;
      })
      .toBeLessThanOrEqual(LOG_KEPT_BYTES);
    await handle.close();
  });

  it('closing the last handle folds the log into the file, the checkpointing thread letting go of it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'licensor.sqlite');
    const config = { dataDir: dir, databaseUrl: undefined, databaseSchema: undefined };
    const first = openDatabase(config);
    const second = openDatabase(config); // a second handle on the file (a worker beside the server)
    write(first.sqlite!, CHECKPOINT_BYTES * 1.5);
    await expect.poll(() => fs.statSync(file).size).toBeGreaterThan(CHECKPOINT_BYTES);
    await first.close();
    write(second.sqlite!, 100_000);
    expect(fs.existsSync(`${file}-wal`)).toBe(true);
    await second.close();
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    const reopened = openDatabase(config);
    expect(reopened.sqlite!.prepare('select count(*) from filler').pluck().get() as number).toBeGreaterThan(
      1500,
    );
    await reopened.close();
  });
});
