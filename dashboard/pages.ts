// The dashboard's pages. A page is a client module (dashboard/web/pages/<id>.js) and the API
// routes it polls; to add one (Fleet, Energy, Environment over GOLD), write its view function
// under dashboard/api/, its client module, and add an entry here: the server routes it, the
// navigation lists it, and the browser test visits it.
import type { DashboardContext } from './api/context.js';
import { alertsView } from './api/alerts.js';
import { pipelineView } from './api/pipeline.js';
import { deviceView, fleetView } from './api/fleet.js';
import { energyView } from './api/energy.js';
import { environmentView } from './api/environment.js';

export interface PageDef {
  /** Route `#/<id>`, client module `web/pages/<id>.js`. */
  id: string;
  title: string;
  /** API routes under /api/ this page reads, by name: `/api/<id>/<name>`. */
  api: Record<string, (ctx: DashboardContext, query: URLSearchParams) => Promise<unknown>>;
}

export const PAGES: readonly PageDef[] = [
  { id: 'alerts', title: 'Alerts', api: { view: (ctx) => alertsView(ctx) } },
  { id: 'pipeline', title: 'Pipeline', api: { view: (ctx) => pipelineView(ctx) } },
  { id: 'fleet', title: 'Fleet', api: { view: fleetView, device: deviceView } },
  { id: 'energy', title: 'Energy', api: { view: energyView } },
  { id: 'environment', title: 'Environment', api: { view: environmentView } },
];
