#!/usr/bin/env node
// fleet_read.js — a head-end's read of many meters of a trimeter-fleet over
// DLMS/COSEM (IEC 62056-47 wrapper), with the project's own DLMS client
// (tests/dlms/dlms_client.js) and CONNS associations at a time.
//
//   node fleet_read.js --base 127.20.0.1 --port 4059 --meters 0-9999 [--conns 64]
//        [--ports] [--clock] [--no-serial] [--timeout-ms 5000]
//
// Meter i is at base + i (or, with --ports, at base and port + i). Per meter
// it associates as the public client (SAP 16), reads the serial (0-0:96.1.0,
// unless --no-serial), 1-0:1.8.0.255 and with --clock the clock, releases
// and closes. Prints one JSON line per meter ({"meter", "ok", "serial",
// "a_plus", "clock"} or {"meter", "ok": false, "error"}) and a last line
// {"summary": {"meters", "ok", "failed", "seconds", "per_second"}}.
'use strict';
const path = require('path');
const { Stream, Wrapper, Client, obis } = require(path.join(__dirname, '..', 'dlms', 'dlms_client.js'));

const a = process.argv.slice(2);
const opt = { base: '127.20.0.1', port: 4059, meters: [], conns: 64, ports: false, clock: false, serial: true,
    timeout: 5000 };
for (let i = 0; i < a.length; i++) {
    const v = () => a[++i];
    switch (a[i]) {
    case '--base': opt.base = v(); break;
    case '--port': opt.port = +v(); break;
    case '--meters':
        for (const part of v().split(',')) {
            const [lo, hi] = part.split('-').map(Number);
            for (let m = lo; m <= (hi === undefined ? lo : hi); m++) opt.meters.push(m);
        }
        break;
    case '--conns': opt.conns = +v(); break;
    case '--ports': opt.ports = true; break;
    case '--clock': opt.clock = true; break;
    case '--no-serial': opt.serial = false; break;
    case '--timeout-ms': opt.timeout = +v(); break;
    default: process.stderr.write(`fleet_read: unknown option ${a[i]}\n`); process.exit(2);
    }
}

function where(i) {
    if (opt.ports) return `${opt.base}:${opt.port + i}`;
    const b = opt.base.split('.').map(Number);
    const x = (((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3] + i) >>> 0;
    return `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}:${opt.port}`;
}

const SERIAL = obis('0-0:96.1.0*255'), APLUS = obis('1-0:1.8.0*255'), CLOCK = obis('0-0:1.0.0*255');

async function readOne(i) {
    const s = new Stream(where(i));
    const timer = setTimeout(() => s.sock.destroy(new Error('timeout')), opt.timeout);
    try {
        await s.ready;
        const link = new Wrapper(s, 16, 1);
        await link.open();
        const c = new Client(link, { client: 16, ic: 0, maxPdu: 0xFFFF, password: '', logical: 1 });
        const assoc = await c.associate();
        if (assoc.result !== 0) throw new Error(`association refused ${assoc.result}`);
        const out = { meter: i, ok: true };
        if (opt.serial) out.serial = (await c.get(1, SERIAL, 2)).value;
        const r = await c.get(3, APLUS, 2);
        if (r.value === undefined) throw new Error(`1.8.0: ${JSON.stringify(r)}`);
        out.a_plus = r.value;
        if (opt.clock) {
            const k = await c.get(8, CLOCK, 2);
            out.clock = require(path.join(__dirname, '..', 'dlms', 'dlms_client.js')).dateTime(k.value);
        }
        await c.release();
        if (Buffer.isBuffer(out.serial)) out.serial = out.serial.toString('latin1');
        return out;
    } catch (e) {
        return { meter: i, ok: false, error: String(e.message || e) };
    } finally {
        clearTimeout(timer);
        s.sock.destroy();
    }
}

async function main() {
    const t0 = process.hrtime.bigint();
    let next = 0, ok = 0;
    const lines = [];
    async function worker() {
        while (next < opt.meters.length) {
            const r = await readOne(opt.meters[next++]);
            if (r.ok) ok++;
            lines.push(JSON.stringify(r));
        }
    }
    await Promise.all(Array.from({ length: Math.min(opt.conns, opt.meters.length) }, worker));
    const sec = Number(process.hrtime.bigint() - t0) / 1e9;
    lines.push(JSON.stringify({ summary: { meters: opt.meters.length, ok, failed: opt.meters.length - ok,
        seconds: sec, per_second: opt.meters.length / sec } }));
    process.stdout.write(lines.join('\n') + '\n', () => process.exit(0));
}
main();
