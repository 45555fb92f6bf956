// Mocha reporter for uber's own suite: mocha's "dot" output, plus pass/fail counts appended to $UBER_TEST_TALLY for .ci/run.
'use strict';
const fs = require('node:fs');
const Mocha = require('mocha');

class TallyReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    let passed = 0;
    let failed = 0;
    runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, () => { passed += 1; });
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, () => { failed += 1; });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.UBER_TEST_TALLY;
      if (file) fs.appendFileSync(file, `${passed} ${failed}\n`);
    });
  }
}
module.exports = TallyReporter;
