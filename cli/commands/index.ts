import type { Command } from 'commander';
import { registerConfig } from './config.js';

/** Every subcommand of `floe`, in the order `floe --help` lists them. */
export const commands: ((program: Command) => void)[] = [registerConfig];
