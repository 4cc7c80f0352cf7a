/** What a standalone master and worker report on their web UI's /json/ (the parts Flotilla reads). */

export interface MasterWorker {
  id: string;
  host: string;
  port: number;
  webuiaddress: string;
  cores: number;
  memory: number;
  state: 'ALIVE' | 'DEAD' | 'DECOMMISSIONED' | 'UNKNOWN' | string;
}

export interface MasterApp {
  id: string;
  name: string;
  cores: number;
  state: string;
  duration: number;
}

export interface MasterState {
  url: string;
  status: string;
  aliveworkers: number;
  workers: MasterWorker[];
  activeapps: MasterApp[];
  completedapps: MasterApp[];
}

export interface WorkerExecutor {
  id: number;
  appid: string;
  memory: number;
}

export interface WorkerState {
  id: string;
  masterurl: string;
  cores: number;
  memory: number;
  executors: WorkerExecutor[];
  finishedexecutors: WorkerExecutor[];
}

async function getJson<T>(uiUrl: string, timeoutMs: number): Promise<T> {
  const url = `${uiUrl.replace(/\/$/, '')}/json/`;
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

export function masterState(masterUi: string, timeoutMs = 3000): Promise<MasterState> {
  return getJson<MasterState>(masterUi, timeoutMs);
}

export function workerState(workerUi: string, timeoutMs = 3000): Promise<WorkerState> {
  return getJson<WorkerState>(workerUi, timeoutMs);
}
