import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Live } from './live.js';
import { forget, openSession, storedToken, switchTenant, type Session } from './session.js';
import { Ctx, ErrorBox, useApp } from './ui.js';
import { CatalogView, PackageView } from './views/catalog.js';
import { EventsView } from './views/events.js';
import { NodesView } from './views/nodes.js';
import { ServicePage } from './views/service.js';
import { ServicesView } from './views/services.js';
import { SparkCreate } from './views/spark-create.js';
import { SparkReady } from './views/spark-ready.js';
import { StacksView } from './views/stacks.js';
import { TenantsView } from './views/tenants.js';
import { TerminalPage } from './views/terminal.js';

/** Hash routes (#/services/cache): the daemon serves one page, and a reload lands on the same view. */
function useRoute(): string[] {
  const read = () => (location.hash.replace(/^#\/?/, '') || 'services').split('/').map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

const NAV = [
  ['services', 'Services'],
  ['catalog', 'Catalog'],
  ['spark', 'Spark wizard'],
  ['stacks', 'Stacks'],
  ['events', 'Events'],
  ['nodes', 'Nodes'],
  ['tenants', 'Tenants & usage'],
] as const;

function Login({ onLogin, error }: { onLogin: (token: string) => void; error: unknown }) {
  const [token, setToken] = useState('');
  return (
    <main class="login">
      <h1>Flotilla</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onLogin(token.trim());
        }}
      >
        <label for="token">API token</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          placeholder="flt_…"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          required
        />
        <p class="muted">
          Make one with <code>flotilla token create</code>. The console acts for the token's tenant.
        </p>
        <button type="submit">Log in</button>
        <ErrorBox error={error} />
      </form>
    </main>
  );
}

function Shell({ onLogout, onTenant }: { onLogout: () => void; onTenant: (t: string) => void }) {
  const { session, live } = useApp();
  const route = useRoute();
  const [up, setUp] = useState(live.up);
  const [tenants, setTenants] = useState<string[]>([]);
  useEffect(() => live.onState(setUp), [live]);
  const admin = session.who.role === 'cluster-admin';
  useEffect(() => {
    if (admin)
      session.client.listTenants().then(
        (ts) => setTenants(ts.map((t) => t.name)),
        () => undefined,
      );
  }, [session, admin]);
  const [view, arg] = route;
  let page;
  switch (view) {
    case 'catalog':
      page = arg ? <PackageView name={arg} /> : <CatalogView />;
      break;
    case 'spark':
      page = arg ? <SparkReady name={arg} /> : <SparkCreate />;
      break;
    case 'stacks':
      page = <StacksView />;
      break;
    case 'events':
      page = <EventsView />;
      break;
    case 'nodes':
      page = <NodesView />;
      break;
    case 'tenants':
      page = <TenantsView />;
      break;
    case 'terminal':
      page = arg ? (
        <TerminalPage task={arg} />
      ) : (
        <ErrorBox error={{ code: 'ROUTE_NOT_FOUND', message: 'name a task: #/terminal/<task>' }} />
      );
      break;
    case 'services':
      page = arg ? (
        <ServicePage
          kind={route[2] === 'app' ? 'app' : 'service'}
          name={arg}
          tab={route[2] === 'kafka' ? 'kafka' : 'overview'}
        />
      ) : (
        <ServicesView />
      );
      break;
    default:
      page = <ErrorBox error={{ code: 'ROUTE_NOT_FOUND', message: `no view "${view}"` }} />;
  }
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <span class="brand">Flotilla</span>
        <nav aria-label="Views">
          {NAV.map(([id, label]) => (
            <a href={`#/${id}`} aria-current={view === id ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who">
          {admin && tenants.length > 0 ? (
            <label>
              Tenant{' '}
              <select
                aria-label="Act for tenant"
                value={session.tenant}
                onChange={(e) => onTenant(e.currentTarget.value)}
              >
                {tenants.map((t) => (
                  <option value={t}>{t}</option>
                ))}
              </select>
            </label>
          ) : (
            <span>
              tenant <strong data-testid="tenant">{session.tenant}</strong>
            </span>
          )}{' '}
          <span class="muted">{session.who.role}</span>
          {session.who.auth && (
            <button type="button" class="small" onClick={onLogout}>
              Log out
            </button>
          )}
        </span>
      </header>
      {!up && (
        <div class="banner" role="status" aria-live="polite">
          Reconnecting to the daemon… The view shows what it last knew and catches up when it answers.
        </div>
      )}
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </div>
  );
}

function App() {
  const [ctx, setCtx] = useState<{ session: Session; live: Live } | null>(null);
  const [error, setError] = useState<unknown>();
  const [checked, setChecked] = useState(false);
  // `quiet`: the first look without a token, whose refusal only means "log in".
  const start = (token: string | null, tenant?: string, quiet = false) =>
    openSession(token, tenant).then(
      (session) => {
        setCtx((old) => {
          old?.live.close();
          return { session, live: new Live(session.client) };
        });
        setError(undefined);
      },
      (err) => setError(quiet ? undefined : err),
    );
  useEffect(() => {
    // A kept token, or none: a daemon with auth off answers whoami without one (no login page).
    void start(storedToken(), undefined, storedToken() === null).finally(() => setChecked(true));
  }, []);
  if (!checked) return <p class="boot">Connecting…</p>;
  if (!ctx) return <Login error={error} onLogin={(t) => void start(t)} />;
  return (
    <Ctx.Provider value={ctx}>
      <Shell
        key={ctx.session.tenant}
        onLogout={() => {
          forget();
          ctx.live.close();
          setCtx(null);
          setError(undefined);
        }}
        onTenant={(t) => {
          switchTenant(t);
          void start(storedToken(), t);
        }}
      />
    </Ctx.Provider>
  );
}

render(<App />, document.getElementById('app')!);
