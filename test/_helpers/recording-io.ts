/** An interaction port for core tests: records every message and takes every default answer. */
import type { IoHost, IoMessage } from '../../src/core/io.js';

export function recordingIoHost(): IoHost & { messages: IoMessage[] } {
  const messages: IoMessage[] = [];
  return {
    messages,
    notify: async (m) => void messages.push(m),
    requestResponse: async (r) => r.defaultResponse,
  };
}
