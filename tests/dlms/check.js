// Check the DLMS client's reads (dlms_sim.sh) against the simulator's own
// --json report of the same meter, and the reads against each other.
// Usage: node check.js DIR
'use strict';
const fs = require('fs');
const dir = process.argv[2];
const J = (n) => JSON.parse(fs.readFileSync(`${dir}/${n}.json`, 'utf8'));
const sim = J('sim');
let failed = 0, checked = 0;
function ok(cond, what, detail) {
    checked++;
    if (!cond) failed++;
    console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}${detail !== undefined ? ': ' + JSON.stringify(detail) : ''}`);
}
const get = (r, key) => (r.actions.find((a) => a.get === key) || {}).value;
const hex = (s) => Buffer.from(s, 'latin1').toString('hex');

// registers: value x 10^scaler Wh equals the report's kWh
function registers(name) {
    const r = J(name);
    const su = get(r, '3:1-0:1.8.0*255:3');
    ok(Array.isArray(su) && su[1] === 30, `${name}: 1-0:1.8.0 scaler_unit (Wh)`, su);
    const scale = Math.pow(10, su ? su[0] : 0) / 1000;
    for (const [c, key] of [['1.8.0', '3:1-0:1.8.0*255:2'], ['2.8.0', '3:1-0:2.8.0*255:2'], ['3.8.0', '3:1-0:3.8.0*255:2']]) {
        const v = get(r, key);
        ok(v !== undefined && Math.abs(v * scale - sim.registers[c].value) < 1e-9, `${name}: ${c} = report`,
           [v, sim.registers[c].value]);
    }
    ok(get(r, '1:0-0:42.0.0*255:2') === hex('TRM0000012345678'), `${name}: logical device name`, get(r, '1:0-0:42.0.0*255:2'));
    ok(get(r, '1:0-0:96.1.0*255:2') === hex('12345678'), `${name}: serial 0-0:96.1.0`, get(r, '1:0-0:96.1.0*255:2'));
}
registers('w_pub');
registers('w_hls');
registers('s_lls');
registers('o_hls');

// the public view: the public subset and the server's objects
const pub = J('w_pub'), view = pub.actions.find((a) => a.view);
const lns = view.objects.map((o) => o.ln);
for (const ln of ['0-0:42.0.0*255', '0-0:96.1.0*255', '0-0:1.0.0*255', '0-0:43.1.1*255', '0-0:40.0.0*255', '1-0:99.1.0*255'])
    ok(lns.includes(ln), `public view has ${ln}`);
ok(!lns.includes('1-0:128.10.1*255'), 'public view has no calibration rows');
ok(view.blocks > 1, 'public view came in blocks', view.blocks);

// every readable attribute of every object in the view
for (const n of ['w_lls', 'w_hls2', 'o_pub']) {
    const a = J(n).actions.find((x) => x.readAll);
    ok(a.refused === 0 && a.readAll > 300, `${n}: every readable attribute answered`, [a.readAll, a.refused]);
}
const lls = J('w_lls').actions[0].results.map((r) => r.obj);
ok(lls.includes('1:1-0:128.10.1*255:2'), 'the reading client reads the calibration');

// the load profile by clock range: 8 h at 15 min, the same over every link
function profile(name) {
    const a = J(name).actions.find((x) => x.profile);
    return a;
}
const p0 = profile('w_hls');
ok(p0.entries === 32, 'w_hls: 32 profile entries in the range', p0.entries);
// (the scenario starts at 00:00 standard time = 01:00 summer time)
ok(p0.value[0][0] === '2026-04-14T01:15:00+03:00' && p0.value[31][0] === '2026-04-14T09:00:00+03:00',
   'profile time stamps (period ends, local time with its offset)', [p0.value[0][0], p0.value[31][0]]);
let mono = true;
for (let i = 1; i < p0.value.length; i++)
    for (let c = 2; c < 6; c++) if (p0.value[i][c] < p0.value[i - 1][c]) mono = false;
ok(mono, 'profile readings never go backwards');
const last = p0.value[31];
ok(Math.abs(last[2] / 100 - sim.registers['1.8.0'].value) < 0.02, 'last profile A+ = 1.8.0 at its end', [last[2], sim.registers['1.8.0'].value]);
for (const n of ['s_lls', 's_pub', 'o_hls']) {
    const p = profile(n);
    ok(JSON.stringify(p.value) === JSON.stringify(p0.value), `${n}: the same profile`, p.blocks);
}
ok(profile('s_pub').blocks > 3, 's_pub: 256-byte PDU, block transfer', profile('s_pub').blocks);

// billing history and the tamper log
const hls = J('w_hls');
const bill = hls.actions.find((a) => a.entries === '0-0:98.1.0*255');
ok(bill.value.length === 1 && sim.billing.length === 1, 'one billing period', bill.value.length);
ok(Math.abs(bill.value[0][1] / 100 - sim.billing[0].registers['1.8.0'].value) < 1e-9, 'billed A+ = report',
   [bill.value[0][1], sim.billing[0].registers['1.8.0'].value]);
const tamper = hls.actions.find((a) => a.entries === '0-0:99.98.6*255');
ok(tamper.value.length >= 2, 'tamper log: cover open and close', tamper.value.length);

// HLS-GMAC twice (counter read by the public client first), refusals
ok(hls.association.hls === 'passed' && J('w_hls2').association.hls === 'passed' && J('o_hls').association.hls === 'passed',
   'HLS-GMAC passed three times');
ok(J('w_hls2').icRead >= hls.icNext, 'the second run read a counter past the first run', [J('w_hls2').icRead, hls.icNext]);
const rp = J('w_replay').association, bp = J('w_badpw').association;
ok(rp.result === 1 && rp.diagnostic === 13, 'replayed counter refused (authentication-failure)', rp);
ok(bp.result === 1 && bp.diagnostic === 13, 'wrong password refused (authentication-failure)', bp);

console.log(`${checked - failed}/${checked} checks passed`);
process.exit(failed === 0 && checked > 30 ? 0 : 1);
