#!/usr/bin/env -S node --max-semi-space-size=64
// The `floe` command. Runs the TypeScript CLI through tsx so there is no build step to forget.
// The shebang's flag is the worker's young-generation size (see WORKER_NODE_FLAGS in
// deploy/stack/worker.ts); harmless for the other commands.
import { register } from 'tsx/esm/api';
// floe targets Node 20 with a locked AWS SDK; its notice about future SDK releases is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('../cli/main.ts');
