// `@stackring/runtime/client`: talking to a running process's agent from outside (the CLI's
// dump, ps and top), kept out of what instrumented code loads.
export { requestAgent, listAgentPids, AgentUnreachableError } from './agent/client.js';
export { socketPath, socketDirectory } from './agent/socket-path.js';
export { childRecordPid, isAgentNice, DEFAULT_AGENT_OPTIONS } from './agent/options.js';
export type { DumpAnswer, InfoAnswer, ThreadDump, FrameJson } from './agent/protocol.js';
