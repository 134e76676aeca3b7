/*  br_check: `brine-master --check-config`, everything a master would
    refuse or fail on, found before it runs, without running anything.

    The configuration is checked by loading it (br_config). Then:
    - the pillar tree is private (the master refuses to start otherwise);
    - the master's key pair, when there is one, loads;
    - for every minion the master would compile for, its pillar compiles,
      and the states its top file assigns are rendered with that pillar,
      parsed, checked against the module schemas and compiled, every
      requisite resolved, as a job for it would be. Those minions are the
      accepted ones, and for each target of the pillar top file and of the
      state top file that no accepted minion matches, a stand-in id that
      the target matches (db* -> dbx), so that a master with no minion yet
      still checks what its first minions will get;
    - every SLS file of the state tree no minion reached is rendered,
      parsed and compiled on its own (as `state.apply NAME` would), and
      every pillar file no pillar top entry names is rendered and parsed.
    Grains are unknown here (a minion reports them when it connects): each
    minion is rendered with grains {id: ID} only.

    Every problem is printed with the file and line the loaders give it;
    secrets never appear, since errors name states and arguments, not
    values, and secret pillar values are vault tokens in rendered text. */
#ifndef BR_CHECK_H
#define BR_CHECK_H

#include "brine.h"

#include <stdio.h>

//  Checks what config points to. Progress goes to out, problems to err.
//  Returns the number of distinct problems (0: everything is valid), or a
//  negative br_err_t when the check itself could not run.
int br_check_run(const br_config_t *config, FILE *out, FILE *err);

#endif
