import { addTerm, type LicensePayload } from '@licensor/core';
import { ROLLBACK_TOLERANCE_MS } from './clock-guard.js';
import type { LicenseStorage } from './storage.js';
import { type RejectionCode, readBundle, verifyLicenseFiles } from './verify.js';

export const DEFAULT_TENANT = 'default';
const DAY_MS = 86_400_000;
/** Seed 001: reminders 45, 30 and 15 days before expiry, and each of the last seven days. */
export const REMINDER_DAYS = [45, 30, 15, 7, 6, 5, 4, 3, 2, 1] as const;

export type LicenseState = 'unused' | 'activated' | 'expired' | 'invalid';

export interface ManagedLicense {
  id: string;
  payload: LicensePayload;
  file: string;
  /** 1 license = 1 tenant: licenses land on the default tenant and may be issued to another. */
  tenant: string;
  /** The agent an agent license is bound to; set once, never changed. */
  agentId: string | null;
  /** When this license's time runs, after stacking on the current expiry of what it extends. */
  effectiveStart: string;
  effectiveExpiry: string | null;
  importedAt: string;
  rejection: { code: RejectionCode; message: string } | null;
}

export interface Agent {
  id: string;
  tenant: string;
  createdAt: string;
  deletedAt: string | null;
  /** The platform-unlimited license that granted this agent when it was created. */
  coveredBy: string | null;
}

export interface ManagerState {
  licenses: ManagedLicense[];
  agents: Agent[];
  lastSeen: string | null;
}

export interface ImportReport {
  id: string | null;
  product: string | null;
  valid: boolean;
  code: RejectionCode | 'VALID' | 'DUPLICATE';
  message: string;
}

export interface LicenseView {
  id: string;
  type: string;
  scope: string;
  mode: string;
  capabilities: string[];
  tenant: string;
  agentId: string | null;
  state: LicenseState;
  reason: string | null;
  expiresAt: string | null;
}

export interface Reminder {
  licenseId: string;
  tenant: string;
  agentId: string | null;
  threshold: number;
  daysLeft: number;
  expiresAt: string;
}

export class LicenseError extends Error {
  constructor(
    readonly code:
      | 'NOT_FOUND'
      | 'BINDING_LOCKED'
      | 'NOT_AN_AGENT_LICENSE'
      | 'TENANT_LOCKED'
      | 'LICENSE_INVALID'
      | 'AGENT_NOT_FOUND'
      | 'WRONG_TENANT',
    message: string,
  ) {
    super(message);
    this.name = 'LicenseError';
  }
}

export interface ManagerOptions {
  vendor: string;
  product: string;
  installationId: string;
  publicKeys: Readonly<Record<string, string>>;
  licenseKey?: string;
  storage: LicenseStorage<ManagerState>;
  clock?: () => Date;
}

const isAgentLicense = (l: ManagedLicense) =>
  l.payload.scope === 'seat' && (l.payload.resourceKind ?? 'agent') === 'agent';
const isPlatformLicense = (l: ManagedLicense) =>
  l.payload.scope === 'installation' || l.payload.scope === 'tenant';
const isUnlimited = (l: ManagedLicense) => l.payload.scope === 'unlimited';
/**
 * When a license's time ends if it starts at `start`: its term added by the calendar (a year from 2027-11-25
 * ends 2028-11-25), or — for files from before the term was carried — its length in milliseconds.
 */
function endFrom(p: LicensePayload, start: Date): Date | null {
  if (p.expiresAt === null || p.term === null) return null;
  if (p.term) return addTerm(start, p.term);
  return new Date(start.getTime() + new Date(p.expiresAt).getTime() - new Date(p.startsAt).getTime());
}

/**
 * The product's own "Settings → Licenses" (seeds 000 and 001): imports signed files, keeps them per
 * tenant, binds agent licenses, and answers what the product may do right now.
 */
export class LicenseManager {
  private state: ManagerState = { licenses: [], agents: [], lastSeen: null };
  private readonly clock: () => Date;

  constructor(private readonly options: ManagerOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** The current time, unless the clock was turned back before the latest time seen. */
  private now(): { now: Date; rolledBack: boolean } {
    const now = this.clock();
    const lastSeen = this.state.lastSeen ? new Date(this.state.lastSeen).getTime() : 0;
    const rolledBack = now.getTime() < lastSeen - ROLLBACK_TOLERANCE_MS;
    if (!rolledBack && now.getTime() > lastSeen) this.state.lastSeen = now.toISOString();
    return { now, rolledBack };
  }

  private license(id: string): ManagedLicense {
    const license = this.state.licenses.find((l) => l.id === id);
    if (!license) throw new LicenseError('NOT_FOUND', `no license ${id}`);
    return license;
  }

  /** The latest expiry among valid licenses matching `holds`, if still in the future (null = perpetual). */
  private currentExpiry(now: Date, holds: (l: ManagedLicense) => boolean): Date | null | undefined {
    let latest: Date | null | undefined;
    for (const license of this.state.licenses) {
      if (license.rejection || !holds(license)) continue;
      if (license.effectiveExpiry === null) return null;
      const expiry = new Date(license.effectiveExpiry);
      if (expiry.getTime() > now.getTime() && (latest === undefined || (latest !== null && expiry > latest)))
        latest = expiry;
    }
    return latest;
  }

  /** Places a license's term after the current expiry of what it extends, while that is still valid. */
  private stack(license: ManagedLicense, now: Date, extends_: (l: ManagedLicense) => boolean): void {
    const current = this.currentExpiry(now, (l) => l.id !== license.id && extends_(l));
    const perpetual = license.payload.expiresAt === null;
    if (current === null || current === undefined || perpetual) {
      license.effectiveStart = license.payload.startsAt;
      license.effectiveExpiry = license.payload.expiresAt;
      return;
    }
    const start = new Date(Math.max(new Date(license.payload.startsAt).getTime(), current.getTime()));
    license.effectiveStart = start.toISOString();
    license.effectiveExpiry = endFrom(license.payload, start)?.toISOString() ?? null;
  }

  /**
   * Reads the saved state and keeps nothing it has not verified (DESIGN §5): every stored license file is
   * verified again and replayed in the order it was imported, so its payload, term and validity come from
   * the signed file, never from the saved copy. Local choices (tenants, agents) are kept for what survives.
   */
  async load(): Promise<this> {
    const saved = (await this.options.storage.load()) ?? { licenses: [], agents: [], lastSeen: null };
    this.state = { licenses: [], agents: saved.agents ?? [], lastSeen: saved.lastSeen ?? null };
    const current = this.clock().getTime();
    const ordered = [...(saved.licenses ?? [])].sort((a, b) =>
      String(a.importedAt).localeCompare(String(b.importedAt)),
    );
    for (const stored of ordered) {
      const at = new Date(Math.min(Date.parse(stored.importedAt) || current, current));
      const [admitted] = await this.admit([String(stored.file)], at, false);
      const license = this.state.licenses.find((l) => l.id === admitted.id);
      if (!license || admitted.code === 'DUPLICATE') continue;
      if (
        typeof stored.tenant === 'string' &&
        stored.tenant !== license.tenant &&
        license.tenant === DEFAULT_TENANT
      )
        license.tenant = stored.tenant;
      if (typeof stored.agentId === 'string' && isAgentLicense(license)) license.agentId = stored.agentId;
    }
    return this;
  }

  private async save(): Promise<void> {
    await this.options.storage.save(this.state);
  }

  /** Imports `.license` and `.lcs` files (several at once); each certificate is reported valid or invalid. */
  async import(texts: string[]): Promise<ImportReport[]> {
    const { now, rolledBack } = this.now();
    const reports = await this.admit(texts, now, rolledBack);
    await this.save();
    return reports;
  }

  /** Verifies files and adds them to the state as of `now` (stacking platform time on what is held then). */
  private async admit(texts: string[], now: Date, rolledBack: boolean): Promise<ImportReport[]> {
    const reports: ImportReport[] = [];
    const files = texts.flatMap((text) => {
      const bundled = readBundle(text);
      return bundled.length ? bundled : [text];
    });
    const verified = await verifyLicenseFiles(files, { ...this.options, now });
    const held = new Set(this.state.licenses.map((l) => l.id));
    for (const [index, file] of files.entries()) {
      const result = verified[index]!;
      const { payload } = result;
      if (!payload) {
        reports.push({
          id: null,
          product: null,
          valid: false,
          code: result.ok ? 'VALID' : result.code,
          message: result.ok ? '' : result.message,
        });
        continue;
      }
      if (held.has(payload.id)) {
        reports.push({
          id: payload.id,
          product: payload.product,
          valid: false,
          code: 'DUPLICATE',
          message: 'already imported',
        });
        continue;
      }
      const rejection = rolledBack
        ? { code: 'CLOCK_ROLLBACK' as const, message: 'the clock was turned back' }
        : result.ok
          ? null
          : { code: result.code, message: result.message };
      const license: ManagedLicense = {
        id: payload.id,
        payload,
        file,
        tenant: payload.tenant ?? DEFAULT_TENANT,
        agentId: null,
        effectiveStart: payload.startsAt,
        effectiveExpiry: payload.expiresAt,
        importedAt: now.toISOString(),
        rejection,
      };
      // A platform license applies by itself and extends the tenant's platform time (seed 001).
      if (!rejection && isPlatformLicense(license))
        this.stack(license, now, (l) => isPlatformLicense(l) && l.tenant === license.tenant);
      this.state.licenses.push(license);
      held.add(license.id);
      // Agents already there without a license of their own are granted by a platform-unlimited one (seed 001).
      if (!rejection && isUnlimited(license))
        for (const agent of this.state.agents)
          if (agent.tenant === license.tenant && !agent.deletedAt && !agent.coveredBy)
            agent.coveredBy = license.id;
      reports.push({
        id: payload.id,
        product: payload.product,
        valid: !rejection,
        code: rejection?.code ?? 'VALID',
        message: rejection?.message ?? '',
      });
    }
    return reports;
  }

  /** Issues a license to a tenant: a license serves one tenant only, and moves only off the default one. */
  async issueToTenant(licenseId: string, tenant: string): Promise<void> {
    const license = this.license(licenseId);
    if (license.rejection)
      throw new LicenseError('LICENSE_INVALID', `the license is invalid: ${license.rejection.message}`);
    if (license.tenant !== DEFAULT_TENANT && license.tenant !== tenant) {
      throw new LicenseError('TENANT_LOCKED', `the license already serves tenant ${license.tenant}`);
    }
    if (license.agentId) throw new LicenseError('BINDING_LOCKED', 'the license is bound to an agent');
    license.tenant = tenant;
    const { now } = this.now();
    if (isPlatformLicense(license))
      this.stack(license, now, (l) => isPlatformLicense(l) && l.tenant === tenant);
    await this.save();
  }

  /** A new agent; while a platform-unlimited license of its tenant is valid, the agent is granted by it. */
  async createAgent(id: string, tenant = DEFAULT_TENANT): Promise<Agent> {
    const { now } = this.now();
    const unlimited = this.state.licenses.find(
      (l) =>
        !l.rejection && isUnlimited(l) && l.tenant === tenant && this.stateOf(l, now).state === 'activated',
    );
    const agent: Agent = {
      id,
      tenant,
      createdAt: now.toISOString(),
      deletedAt: null,
      coveredBy: unlimited?.id ?? null,
    };
    this.state.agents = [...this.state.agents.filter((a) => a.id !== id), agent];
    await this.save();
    return agent;
  }

  /** Deleting an agent expires its license (seed 001). */
  async deleteAgent(id: string): Promise<void> {
    const agent = this.state.agents.find((a) => a.id === id && !a.deletedAt);
    if (!agent) throw new LicenseError('AGENT_NOT_FOUND', `no agent ${id}`);
    agent.deletedAt = this.clock().toISOString();
    await this.save();
  }

  /** Binds an agent license to an agent; the binding is immutable, and it extends the agent's current time. */
  async bindAgent(licenseId: string, agentId: string): Promise<void> {
    const license = this.license(licenseId);
    if (!isAgentLicense(license))
      throw new LicenseError('NOT_AN_AGENT_LICENSE', 'only agent licenses are bound to agents');
    if (license.rejection)
      throw new LicenseError('LICENSE_INVALID', `the license is invalid: ${license.rejection.message}`);
    if (license.agentId)
      throw new LicenseError('BINDING_LOCKED', `the license is bound to agent ${license.agentId} for good`);
    const agent = this.state.agents.find((a) => a.id === agentId && !a.deletedAt);
    if (!agent) throw new LicenseError('AGENT_NOT_FOUND', `no agent ${agentId}`);
    if (agent.tenant !== license.tenant)
      throw new LicenseError('WRONG_TENANT', `the agent belongs to tenant ${agent.tenant}`);
    license.agentId = agentId;
    const { now } = this.now();
    this.stack(license, now, (l) => isAgentLicense(l) && l.agentId === agentId);
    await this.save();
  }

  private stateOf(license: ManagedLicense, now: Date): { state: LicenseState; reason: string | null } {
    if (license.rejection)
      return { state: 'invalid', reason: `${license.rejection.code}: ${license.rejection.message}` };
    if (license.agentId && this.state.agents.find((a) => a.id === license.agentId)?.deletedAt) {
      return { state: 'expired', reason: 'the agent was deleted' };
    }
    if (license.effectiveExpiry && new Date(license.effectiveExpiry).getTime() <= now.getTime())
      return { state: 'expired', reason: 'the term is over' };
    if (license.payload.fileExpiresAt && new Date(license.payload.fileExpiresAt).getTime() <= now.getTime())
      return { state: 'expired', reason: `the file expired ${license.payload.fileExpiresAt}` };
    if (isAgentLicense(license) && !license.agentId) return { state: 'unused', reason: null };
    if (new Date(license.effectiveStart).getTime() > now.getTime())
      return { state: 'unused', reason: 'not started yet' };
    return { state: 'activated', reason: null };
  }

  list(): LicenseView[] {
    const { now, rolledBack } = this.now();
    return this.state.licenses.map((license) => {
      const { state, reason } = rolledBack
        ? { state: 'invalid' as const, reason: 'CLOCK_ROLLBACK: the clock was turned back' }
        : this.stateOf(license, now);
      return {
        id: license.id,
        type: license.payload.type,
        scope: license.payload.scope,
        mode: license.payload.mode,
        capabilities: license.payload.capabilities,
        tenant: license.tenant,
        agentId: license.agentId,
        state,
        reason,
        expiresAt: license.effectiveExpiry,
      };
    });
  }

  agents(): Agent[] {
    return this.state.agents.filter((a) => !a.deletedAt);
  }

  /**
   * What the product may do now. For an agent: a valid license bound to it (or the platform-unlimited
   * license that granted it) must carry the capability; for the tenant: a valid platform-level license.
   * So an expired platform stops management while agents with their own licenses keep talking.
   */
  can(capability: string, scope: { tenant?: string; agent?: string } = {}): boolean {
    const { now, rolledBack } = this.now();
    if (rolledBack) return false;
    const tenant = scope.tenant ?? DEFAULT_TENANT;
    const active = this.state.licenses.filter(
      (l) => l.tenant === tenant && this.stateOf(l, now).state === 'activated',
    );
    if (scope.agent) {
      const agent = this.state.agents.find(
        (a) => a.id === scope.agent && !a.deletedAt && a.tenant === tenant,
      );
      if (!agent) return false;
      // A valid platform-unlimited license of the tenant covers every agent, those made before it came too.
      return active.some(
        (l) =>
          (l.agentId === agent.id || l.id === agent.coveredBy || isUnlimited(l)) &&
          l.payload.capabilities.includes(capability),
      );
    }
    return active.some((l) => !isAgentLicense(l) && l.payload.capabilities.includes(capability));
  }

  /** What is due to be reminded about on this day: 45, 30, 15 and each of the last 7 days before expiry. */
  reminders(now: Date = this.clock()): Reminder[] {
    const due: Reminder[] = [];
    for (const license of this.state.licenses) {
      if (!license.effectiveExpiry || this.stateOf(license, now).state !== 'activated') continue;
      const daysLeft = Math.ceil((new Date(license.effectiveExpiry).getTime() - now.getTime()) / DAY_MS);
      if ((REMINDER_DAYS as readonly number[]).includes(daysLeft)) {
        due.push({
          licenseId: license.id,
          tenant: license.tenant,
          agentId: license.agentId,
          threshold: daysLeft,
          daysLeft,
          expiresAt: license.effectiveExpiry,
        });
      }
    }
    return due;
  }
}
