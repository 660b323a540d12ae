import { appendFile, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** One JSON line per mutating AWS call: who did what, where, and how it went. */
export interface AuditEntry {
  readonly time: string;
  readonly caller: string;
  readonly service: string;
  readonly account?: string;
  readonly action: string;
  readonly target: string;
  readonly result: 'ok' | 'error';
  readonly error?: string;
}

export interface AuditRecord {
  readonly service: string;
  readonly account?: string;
  readonly action: string;
  readonly input: Record<string, unknown>;
  readonly result: 'ok' | 'error';
  readonly error?: string;
}

export interface AuditLog {
  record(entry: AuditRecord): Promise<void>;
}

export function defaultAuditPath(): string {
  return process.env.ESTATE_AUDIT_LOG ?? join(homedir(), '.estate', 'audit.log');
}

// The input fields that name what a call acts on, most specific first.
const TARGET_FIELDS = [
  'AccountId',
  'PolicyId',
  'ResourceId',
  'TargetId',
  'OrganizationalUnitId',
  'ParentId',
  'StackName',
  'BudgetName',
  'AccountName',
  'Name',
  'Email',
  'ServicePrincipal',
  'Type',
];

export function targetOf(input: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const field of TARGET_FIELDS) {
    const value = input[field];
    if (typeof value === 'string') parts.push(`${field}=${value}`);
    if (parts.length === 2) break;
  }
  const budget = input.Budget as { BudgetName?: string } | undefined;
  if (parts.length === 0 && budget?.BudgetName) parts.push(`BudgetName=${budget.BudgetName}`);
  return parts.join(' ');
}

/** Appends to a file; the caller ARN is resolved once, on the first mutating call. */
export class FileAuditLog implements AuditLog {
  private caller?: Promise<string>;
  private ready?: Promise<unknown>;

  constructor(
    readonly path: string,
    private readonly resolveCaller: () => Promise<string>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(entry: AuditRecord): Promise<void> {
    this.caller ??= this.resolveCaller().catch(() => 'unknown');
    this.ready ??= mkdir(dirname(this.path), { recursive: true });
    const [caller] = await Promise.all([this.caller, this.ready]);
    const line: AuditEntry = {
      time: this.now().toISOString(),
      caller,
      service: entry.service,
      ...(entry.account ? { account: entry.account } : {}),
      action: entry.action,
      target: targetOf(entry.input),
      result: entry.result,
      ...(entry.error ? { error: entry.error } : {}),
    };
    await appendFile(this.path, `${JSON.stringify(line)}\n`, 'utf8');
  }
}

/** Keeps entries in memory: for dry runs' tests and for the fakes. */
export class MemoryAuditLog implements AuditLog {
  readonly entries: AuditRecord[] = [];
  async record(entry: AuditRecord): Promise<void> {
    this.entries.push(entry);
  }
}
