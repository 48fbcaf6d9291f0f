// Compare the data sets smartmeter-obis parsed from the readout with the
// simulator's own --json report of the same meter. Exit 0 when every data
// set that the report also has carries the same value (and unit), and the
// readout held at least the energy registers.
// Usage: node compare.js READOUT.json SIM.json
'use strict';
const fs = require('fs');
const ro = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const sim = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const regs = sim.registers;
let checked = 0, failed = 0;
const report = (ok, key, a, b) => {
    console.log((ok ? 'ok   ' : 'FAIL ') + key + ': readout ' + JSON.stringify(a) + ' json ' + JSON.stringify(b));
    if (!ok) failed++;
    checked++;
};
for (const key of Object.keys(ro).sort()) {
    const r = ro[key];
    const hist = /^(.*)\*(\d+)$/.exec(key); // C.D.E*NN: the NN-th last billing period
    const j = hist ? (sim.billing && sim.billing[+hist[2] - 1] ? sim.billing[+hist[2] - 1].registers[hist[1]] : undefined)
                   : regs[key];
    if (j === undefined) {
        console.log('-    ' + key + ': not in the JSON report (' + r.raw + ')');
        continue;
    }
    const v = r.values[0];
    if (key === '0.9.1') { // the clock moved on between readout and report: check its form only
        report(/^\d\d:\d\d:\d\d$/.test(String(v.value)), key, v.value, j.value);
        continue;
    }
    if (key === '0.9.2') { // YY-MM-DD of the report's local date
        report(String(v.value) === String(sim.time).substring(2, 10), key, v.value, sim.time);
        continue;
    }
    if (typeof j.value === 'number') {
        const num = typeof v.value === 'number' ? v.value : parseFloat(v.value);
        report(Math.abs(num - j.value) < 1e-9 && (v.unit || '') === (j.unit || ''), key, v, j);
    } else {
        report(String(v.value) === String(j.value), key, v.value, j.value);
    }
    if (j.time !== undefined && r.values.length > 1) { // peak time stamp: YY-MM-DD hh:mm
        const t = String(r.values[1].value);
        report(t === j.time.substring(2, 10) + ' ' + j.time.substring(11, 16), key + ' time', t, j.time);
    }
}
const must = ['1.8.0', '2.8.0', '3.8.0', '4.8.0', '0.0.0'];
for (const k of must)
    if (ro[k] === undefined || regs[k] === undefined) {
        console.log('FAIL ' + k + ' missing from the readout or the report');
        failed++;
    }
if (!(regs['1.8.0'] && regs['1.8.0'].value > 0)) {
    console.log('FAIL 1.8.0 is zero: the test load did not register');
    failed++;
}
console.log(checked + ' data sets compared, ' + failed + ' failed');
process.exit(failed === 0 && checked >= must.length ? 0 : 1);
