/** Where a product keeps its license state; the default is a JSON file (see `@licensor/sdk/node`). */
export interface LicenseStorage<T> {
  load(): Promise<T | undefined>;
  save(state: T): Promise<void>;
}

export class MemoryStorage<T> implements LicenseStorage<T> {
  private state: T | undefined;
  async load(): Promise<T | undefined> {
    return this.state === undefined ? undefined : structuredClone(this.state);
  }
  async save(state: T): Promise<void> {
    this.state = structuredClone(state);
  }
}
