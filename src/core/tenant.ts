/** Who may do what. A cluster admin manages tenants and may act for any of them. */
export const ROLES = ['cluster-admin', 'tenant-admin', 'tenant-viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Limits on what a tenant's tasks may hold at once; an absent field is unlimited. */
export interface Quota {
  cpus?: number;
  mem?: number;
  disk?: number;
  /** The data folder's size in MB (not a scheduling resource: the daemon mounts a volume of that size). */
  data?: number;
}

export interface TenantRecord {
  name: string;
  /** DRF weight: a tenant with weight 2 is entitled to twice the dominant share of one with weight 1. */
  weight: number;
  quota: Quota | null;
  createdAt: number;
  updatedAt: number;
}

export interface TokenRecord {
  id: string;
  tenant: string;
  role: Role;
  /** What the token is for, as its creator described it. */
  name: string;
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

/** The authenticated caller of a request. */
export interface Principal {
  tokenId: string | null;
  tenant: string;
  role: Role;
}

export const TENANT_NAME = /^[a-z][a-z0-9-]{0,39}$/;
