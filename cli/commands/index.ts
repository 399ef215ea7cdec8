import type { Command } from 'commander';
import { registerConfig } from './config.js';
import { registerStack } from './stack.js';
import { registerDemo } from './demo.js';
import { registerQuery } from './query.js';
import { registerRun } from './run.js';
import { registerWorker } from './worker.js';
import { registerVerify } from './verify.js';
import { registerProduce } from './produce.js';
import { registerContracts } from './contracts.js';
import { registerSchedules } from './schedules.js';
import { registerBackfill } from './backfill.js';
import { registerHistory } from './history.js';
import { registerStatus } from './status.js';
import { registerTransform } from './transform.js';
import { registerAlerts } from './alerts.js';
import { registerDashboard } from './dashboard.js';

/** Every subcommand of `floe`, in the order `floe --help` lists them. */
export const commands: ((program: Command) => void)[] = [registerDemo, registerStack, registerQuery, registerRun, registerTransform, registerWorker, registerVerify, registerProduce, registerContracts, registerSchedules, registerBackfill, registerHistory, registerStatus, registerAlerts, registerDashboard, registerConfig];
