// Compare what node-mbus (libmbus) decoded from the meter's M-Bus port with
// the simulator's own --json report of the same meter. Every record must
// have the unit the table documents (docs/PROTOCOLS.md, "Wired M-Bus") and
// the report's value; the readouts at the primary and at the scanned
// secondary address must agree, and the scan must have found this meter's
// secondary address. Records are named by their unit, tariff, device
// (phase), function and storage number, and the order of the directions
// (import before export), as the table lists them.
// Usage: node mbus_compare.js NODE.json SIM.json SERIAL
'use strict';
const fs = require('fs');
const rd = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const sim = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const serial = process.argv[4];
const regs = sim.registers;
let checked = 0, failed = 0;
const report = (ok, key, a, b) => {
    console.log((ok ? 'ok   ' : 'FAIL ') + key + ': m-bus ' + JSON.stringify(a) + ' json ' + JSON.stringify(b));
    if (!ok) failed++;
    checked++;
};

// libmbus's unit text -> [quantity, decimal exponent, JSON unit, JSON exponent]
function unitOf(u) {
    let m;
    if ((m = /^Energy \((10 |100 |k|)Wh\)$/.exec(u)))
        return ['Wh', {'10 ': 1, '100 ': 2, 'k': 3, '': 0}[m[1]], 'kWh', 3];
    if ((m = /^(10 |100 |m|)\s*varh$/.exec(u)))
        return ['varh', {'10 ': 1, '100 ': 2, 'm': -3, '': 0}[m[1]], 'kvarh', 3];
    if ((m = /^Power \((m|k|10 |100 |)W\)$/.exec(u)))
        return ['W', {'m': -3, 'k': 3, '10 ': 1, '100 ': 2, '': 0}[m[1]], 'kW', 3];
    if ((m = /^(m|)\s*var$/.exec(u)))
        return ['var', {'m': -3, '': 0}[m[1]], 'kvar', 3];
    if ((m = /^(m|)\s*V$/.exec(u)))
        return ['V', {'m': -3, '': 0}[m[1]], 'V', 0];
    if ((m = /^(my|m|)\s*A$/.exec(u)))
        return ['A', {'my': -6, 'm': -3, '': 0}[m[1]], 'A', 0];
    if (u === 'On time (hours)')
        return ['h', 0, 'h', 0];
    if (u === 'Error flags')
        return ['flags', 0, '', 0];
    if (u === 'Time Point (time & date)')
        return ['time', 0, '', 0];
    return null;
}

// Name every record with its OBIS code (C.D.E, or C.D.E*01 for storage 1).
function name(records) {
    const seen = {};
    const out = [];
    for (const r of records) {
        if (r.Function === 'More records follow')
            continue;
        const u = unitOf(r.Unit);
        if (u === null) {
            out.push({key: '?', r: r});
            continue;
        }
        const t = r.Tariff || 0, d = r.Device || 0, st = r.StorageNumber || 0;
        const max = r.Function === 'Maximum value';
        const sig = [u[0], t, d, st, max].join('/');
        const nth = seen[sig] = (seen[sig] || 0) + 1; // 1 = import, 2 = export
        let key;
        switch (u[0]) {
        case 'Wh': key = (nth === 1 ? 1 : 2) + '.8.' + t; break;
        case 'varh': key = (nth === 1 ? 3 : 4) + '.8.' + t; break;
        case 'W': key = max ? '1.6.0' : (d ? 20 * d + nth : nth) + '.7.0'; break;
        case 'var': key = (nth === 1 ? 3 : 4) + '.7.0'; break;
        case 'V': key = (20 * d + 12) + '.7.0'; break;
        case 'A': key = (20 * d + 11) + '.7.0'; break;
        case 'h': key = '96.8.0'; break;
        case 'flags': key = '97.97.0'; break;
        case 'time': key = max ? '1.6.0 time' : '0.9.1+0.9.2'; break;
        }
        if (st)
            key += '*' + String(st).padStart(2, '0');
        out.push({key: key, u: u, r: r});
    }
    return out;
}

function check(what, data) {
    const si = data.SlaveInformation;
    report(String(si.Id) === serial && si.Manufacturer === 'TRM' && si.Medium === 'Electricity', what + ' header',
           si, {serial: serial});
    const recs = name(data.DataRecord);
    for (const x of recs) {
        const k = what + ' ' + x.key;
        if (x.key === '?') {
            report(false, k, x.r, 'a record of no documented unit');
            continue;
        }
        const r = x.r;
        if (x.key === '0.9.1+0.9.2') { // local date and time of the meter at the read: its form
            report(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(String(r.Value)), k, r.Value, sim.time);
            continue;
        }
        if (x.key === '1.6.0 time') { // the peak's stamp (JSON "time": local ISO time)
            const j = regs['1.6.0'];
            report(j !== undefined && j.time !== undefined && String(r.Value).substring(0, 16) === j.time.substring(0, 16),
                   k, r.Value, j && j.time);
            continue;
        }
        const hist = /^(.*)\*(\d+)$/.exec(x.key);
        const j = hist ? (sim.billing && sim.billing[+hist[2] - 1] ? sim.billing[+hist[2] - 1].registers[hist[1]] : undefined)
                       : regs[x.key];
        if (j === undefined) {
            report(false, k, r, 'not in the JSON report');
            continue;
        }
        const v = Number(r.Value) * Math.pow(10, x.u[1] - x.u[3]); // in the report's unit
        // the report shows the row's decimals (truncated): at most one last digit apart
        const res = {kWh: 0.01, kvarh: 0.01, kW: 0.001, kvar: 0.001, V: 0.1, A: 0.01, h: 1, '': 1}[x.u[2]];
        const unitOk = (j.unit || '') === x.u[2];
        report(unitOk && v >= j.value - 1e-9 && v < j.value + res - 1e-9, k, {value: v, unit: x.u[2], raw: r.Value, mbus: r.Unit}, j);
    }
    return recs;
}

report(Array.isArray(rd.scan) && rd.scan.length === 1 && rd.scan[0].substring(0, 8) === serial, 'scan', rd.scan, serial);
const a = check('primary', rd.primary);
const b = check('secondary', rd.secondary);
report(a.length === b.length, 'same records at both addresses', a.length, b.length);
const must = ['1.8.0', '2.8.0', '3.8.0', '4.8.0', '1.8.1', '1.8.2', '1.7.0', '32.7.0', '31.7.0', '96.8.0', '1.6.0'];
for (const k of must)
    if (!a.some(x => x.key === k)) {
        console.log('FAIL ' + k + ' missing from the readout');
        failed++;
    }
console.log(checked + ' checked, ' + failed + ' failed');
process.exit(failed === 0 && checked > 30 ? 0 : 1);
