import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTenantSafe } from './compose-security.js';

describe('Compose keys that reach outside a tenant', () => {
  const refused = (body: Record<string, unknown>) => {
    try {
      checkTenantSafe(body, 'services.x');
      return null;
    } catch (err) {
      return (err as { code: string; message: string }).code + ' ' + (err as Error).message;
    }
  };

  it('are refused with SECURITY_REFUSED, naming the key', () => {
    for (const [body, key] of [
      [{ privileged: true }, 'privileged'],
      [{ cap_add: ['NET_ADMIN'] }, 'cap_add'],
      [{ devices: ['/dev/kvm'] }, 'devices'],
      [{ network_mode: 'host' }, 'network_mode'],
      [{ network_mode: 'container:other' }, 'network_mode'],
      [{ pid: 'host' }, 'pid'],
      [{ ipc: 'host' }, 'ipc'],
      [{ userns_mode: 'host' }, 'userns_mode'],
      [{ security_opt: ['apparmor=unconfined'] }, 'security_opt'],
      [{ security_opt: ['seccomp:unconfined'] }, 'security_opt'],
    ] as const)
      assert.match(refused(body) ?? 'accepted', new RegExp(`^SECURITY_REFUSED services\\.x\\.${key}:`));
  });

  it('let the harmless forms through', () => {
    for (const body of [
      { privileged: false },
      { cap_add: [] },
      { cap_drop: ['ALL'] },
      { network_mode: 'bridge' },
      { security_opt: ['no-new-privileges:true'] },
    ])
      assert.equal(refused(body), null, JSON.stringify(body));
  });
});
