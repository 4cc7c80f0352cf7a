import { unmountUnder } from './data-volume.js';
import { chainOf, Firewall } from './firewall.js';
import { homeIdOf, removeHomeUsers } from './identity.js';

/**
 * Removes what a home made outside itself — its tenants' users and groups, its firewall chain, the
 * data folder volumes mounted in it (before the home is deleted: a mount point cannot be) — once
 * the home is gone for good (a test's temporary home, an uninstall). Safe when there is nothing.
 */
export async function forgetHome(home: string): Promise<{ users: string[] }> {
  if (process.getuid?.() !== 0) return { users: [] };
  await unmountUnder(home);
  if (Firewall.available()) new Firewall(chainOf(homeIdOf(home)), [0, 0]).remove();
  return { users: await removeHomeUsers(home) };
}
