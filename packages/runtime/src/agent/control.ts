// A few shared words between the main thread and the agent, for the one moment where the main
// thread must wait for the agent synchronously: process exit, when the trace must be finished
// before the process is gone.

export const Control = {
  STATE: 0,
} as const;

export const ControlState = {
  RUNNING: 0,
  /** The main thread is exiting and waits for the agent to finish the trace. */
  CLOSING: 1,
  CLOSED: 2,
} as const;

export const CONTROL_BYTES = 16;
