import type { Command } from 'commander';
import { registerConfig } from './config.js';
import { registerStack } from './stack.js';
import { registerDemo } from './demo.js';
import { registerQuery } from './query.js';

/** Every subcommand of `floe`, in the order `floe --help` lists them. */
export const commands: ((program: Command) => void)[] = [registerDemo, registerStack, registerQuery, registerConfig];
