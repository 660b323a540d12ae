/**
 * The interaction port for `estate init` at a terminal: its questions (INIT_IO.QUESTION)
 * become @inquirer prompts, loaded only when one is really asked; other messages are lines
 * on stderr through the command's `note`; any other request takes its default answer.
 */
import { INIT_IO, type InitQuestionData } from '../core/init.js';
import type { IoHost } from '../core/io.js';
import { inquirer } from './prompts.js';

export function initPromptHost(note: (line: string) => void): IoHost {
  return {
    notify: async (message) => note(message.message),
    async requestResponse(request) {
      if (request.code !== INIT_IO.QUESTION) return request.defaultResponse;
      const { prompt } = request.data as InitQuestionData;
      const p = await inquirer();
      if (prompt.kind === 'select')
        return (await p.select({ message: prompt.message, choices: [...prompt.choices] })) as never;
      if (prompt.kind === 'number')
        return (await p.number({
          message: prompt.message,
          default: prompt.default,
          min: prompt.min,
          required: true,
        })) as never;
      const text = await p.input({
        message: prompt.message,
        ...(prompt.default !== undefined ? { default: prompt.default } : {}),
        ...(prompt.validate ? { validate: prompt.validate } : {}),
      });
      return (prompt.parse ? prompt.parse(text) : text) as never;
    },
  };
}
