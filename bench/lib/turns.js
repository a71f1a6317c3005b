// Measuring in alternating turns: this shared 2-core machine changes speed by ±20% from one quarter hour to the
// next, so rows a ratio compares are measured in turns, going down their list and back up, and a machine that
// slows or speeds up steadily weighs on every row alike.

/**
 * `turn(target, round)` for each target in each of its rounds (`target.rounds`, else `rounds`), down the list and
 * back up; each target's turns. Targets given more rounds go on alternating among themselves after the others'
 * last round.
 */
export async function inTurns(targets, rounds, turn) {
  const turns = new Map(targets.map((target) => [target, []]));
  const roundsOf = (target) => target.rounds ?? rounds;
  const last = Math.max(rounds, ...targets.map(roundsOf));
  for (let round = 1; round <= last; round++) {
    const taking = targets.filter((target) => round <= roundsOf(target));
    for (const target of round % 2 === 1 ? taking : taking.reverse())
      turns.get(target).push(await turn(target, round));
  }
  return turns;
}

/** One autocannon result as a turn; a refused or failed request fails the bench. */
export function summarize(name, result) {
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return {
    requests: result.requests.total,
    seconds: result.duration,
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

/** A target's turns as one figure: all its requests over all its seconds; each latency the mean of its turns'. */
export function combined(turns) {
  const mean = (field) => Math.round(turns.reduce((sum, turn) => sum + turn[field], 0) / turns.length);
  const requests = turns.reduce((sum, turn) => sum + turn.requests, 0);
  const seconds = turns.reduce((sum, turn) => sum + turn.seconds, 0);
  return { rps: requests / seconds, p50: mean('p50'), p99: mean('p99') };
}
