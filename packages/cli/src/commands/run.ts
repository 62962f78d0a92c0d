import type { Argv, CommandModule } from 'yargs';
import { commandFrom, exitCodeOf, launch } from '../launch.js';
import { commonAgentOptions, agentEnv, type AgentArgs } from './agent-args.js';

interface RunArgs extends AgentArgs {
  command?: string[];
  _: Array<string | number>;
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run [command..]',
  describe: 'Run a Node program instrumented, with the agent on so that `stackring dump` can see it',
  builder: (y: Argv) =>
    commonAgentOptions(y, { interval: 0 })
      .positional('command', { type: 'string', array: true, describe: 'the program and its arguments, after --' })
      .example('$0 run -- node server.js', 'run server.js; dump it from another terminal with `stackring dump <pid>`')
      .example('$0 run --watchdog 200 -- node app.js', 'also report where the event loop blocks for 200 ms or more') as unknown as Argv<RunArgs>,
  handler: async (args) => {
    const result = await launch(commandFrom(args), agentEnv(args));
    process.exitCode = exitCodeOf(result);
  },
};
