import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { LicenseStorage } from './storage.js';

/** The default storage on Node: a JSON file written atomically (a temp file renamed over the old one). */
export class JsonFileStorage<T> implements LicenseStorage<T> {
  constructor(private readonly file: string) {}

  async load(): Promise<T | undefined> {
    try {
      return JSON.parse(await fs.readFile(this.file, 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async save(state: T): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(temp, JSON.stringify(state, null, 2));
    await fs.rename(temp, this.file);
  }
}
