/** The Unix identity a tenant's tasks run as when the daemon isolates tenants (src/isolation). */
export interface TaskUser {
  uid: number;
  gid: number;
  name: string;
}
