/**
 * The interaction port for commands that only report: each message becomes a line on
 * stderr through the command's `note` (which says nothing under --json), and every request
 * takes its default answer. The full host (listr2 on a terminal, prompts) replaces it.
 */
import type { IoHost } from '../core/io.js';

export function noteHost(note: (line: string) => void): IoHost {
  return {
    notify: async (message) => note(message.message),
    requestResponse: async (request) => request.defaultResponse,
  };
}
