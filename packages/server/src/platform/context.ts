import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { DatabaseHandle } from './db/database.js';
import type { Mailer } from './mail/mailer.js';
import type { SecretBox } from './secrets.js';
import type { VendorSigner } from './signing.js';

/** What every service gets: storage, time, settings, the vendor signing keys and mail. */
export interface AppContext {
  readonly handle: DatabaseHandle;
  readonly clock: Clock;
  readonly config: Config;
  readonly signer: VendorSigner;
  /** Seals secrets stored in the database (signing keys). */
  readonly secrets: SecretBox;
  readonly mailer: Mailer;
}

/** Who did something and through which door (DESIGN §2: api, cabinet, app, cli, job; plus the partner portal). */
export type Channel = 'api' | 'cabinet' | 'portal' | 'app' | 'cli' | 'job';

export interface Actor {
  readonly type: 'user' | 'token' | 'app' | 'system' | 'customer' | 'partner';
  readonly id: string | null;
  readonly name: string | null;
  readonly channel: Channel;
}

export const appActor: Actor = { type: 'app', id: null, name: null, channel: 'app' };
export const jobActor: Actor = { type: 'system', id: null, name: 'job', channel: 'job' };
export const cliActor: Actor = { type: 'system', id: null, name: 'cli', channel: 'cli' };
