// Mocha's spec reporter plus one closing line in the plain "N passed, N failed, N skipped" form, so any
// CI reading the output knows how many tests ran. A pending (skipped) test is never counted as passed.
"use strict";
const Mocha = require("mocha");

class SpecWithSummary extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const s = runner.stats;
            console.log(`${s.passes} passed, ${s.failures} failed, ${s.pending} skipped`);
        });
    }
}

module.exports = SpecWithSummary;
