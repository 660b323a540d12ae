#!/usr/bin/env node
import { execute } from '@oclif/core';

// estate pins SDK versions that support Node 20 (see package.json engines); the SDK's
// notice about future releases is not actionable for its users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

await execute({ dir: import.meta.url });
