import { createInterface } from 'node:readline';
import { runCommand, type CommandTarget } from './commands.js';

/** Resolves on the first SIGINT or SIGTERM; `dispose` removes the listeners. */
export function untilSignal(): { stopped: Promise<void>; dispose(): void } {
  const listeners: Array<() => void> = [];
  const stopped = new Promise<void>((resolve) => {
    listeners.push(resolve);
    process.on('SIGINT', resolve);
    process.on('SIGTERM', resolve);
  });
  return {
    stopped,
    dispose: () => {
      for (const listener of listeners) {
        process.off('SIGINT', listener);
        process.off('SIGTERM', listener);
      }
    },
  };
}

/**
 * Runs commands from `input` one at a time, in order, until `stopped` resolves or a command stops the session;
 * resolves once the command under way has answered. The end of the input does not stop the emulator, so it can
 * run with its input closed (in the background, under a process manager).
 */
export function runSession(input: NodeJS.ReadableStream | undefined, stopped: Promise<unknown>, target: Omit<CommandTarget, 'stop'>, log: (line: string) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    let chain: Promise<void> = Promise.resolve();
    const lines = input ? createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY }) : undefined;
    let ended = false;
    const stop = () => {
      if (ended) return;
      ended = true;
      lines?.close();
      void chain.then(resolve);
    };
    const full: CommandTarget = { ...target, stop };
    lines?.on('line', (line) => {
      chain = chain.then(async () => {
        if (ended) return;
        const answer = await runCommand(line, full);
        if (answer !== undefined) log(answer);
      });
    });
    void stopped.then(stop);
  });
}
