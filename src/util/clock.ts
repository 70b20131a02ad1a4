/**
 * Where every decision that depends on time reads it: schedules in the constitution, backoff,
 * leases, intervals, timestamps of records. One is made at the edge (the CLI, a daemon) and handed
 * in; tests pin it, so that nothing they check depends on the day or hour they run.
 */
export type Clock = () => Date;

/** The machine's clock: the one place the program reads the wall clock. */
export const systemClock: Clock = () => new Date();
