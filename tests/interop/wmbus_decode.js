// Decode the --wmbus output of the simulator with Node.js's own AES (an
// implementation independent of the meter's): Kamstrup ELL AES-128-CTR
// (CI 8D: counter block M A CC SN 00 00 00, payload CRC-16/EN-13757) and
// OMS mode 5 (CI 7A: AES-128-CBC, IV M A ACC x 8, 2F 2F check), full and
// compact frames (the format learnt from the last full frame). Prints
// {"telegrams": n, "full": n, "compact": n, "last": {"1.8.0": kWh, ...}}:
// the newest value of each record it knows, in the report's units.
// Usage: node wmbus_decode.js FILE KEYHEX SERIAL
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const lines = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter(l => l.length > 0);
const key = Buffer.from(process.argv[3], 'hex');
const serial = process.argv[4];

function crc(buf) { // CRC-16/EN-13757
    let c = 0;
    for (const b of buf) {
        c ^= b << 8;
        for (let i = 0; i < 8; i++)
            c = (c & 0x8000) ? ((c << 1) ^ 0x3D65) & 0xFFFF : (c << 1) & 0xFFFF;
    }
    return c ^ 0xFFFF;
}
// AES-CMAC (RFC 4493) on Node's AES-128-ECB, for OMS mode 7
function cmac(k, msg) {
    const enc = b => { const c = crypto.createCipheriv('aes-128-ecb', k, null); c.setAutoPadding(false); return Buffer.concat([c.update(b), c.final()]); };
    const dbl = b => { const o = Buffer.alloc(16); let carry = 0; for (let i = 15; i >= 0; i--) { o[i] = ((b[i] << 1) | carry) & 0xFF; carry = b[i] >> 7; } if (b[0] & 0x80) o[15] ^= 0x87; return o; };
    const k1 = dbl(enc(Buffer.alloc(16))), k2 = dbl(k1);
    const n = Math.max(1, Math.ceil(msg.length / 16));
    const full = msg.length > 0 && msg.length % 16 === 0;
    const last = Buffer.alloc(16);
    msg.copy(last, 0, (n - 1) * 16);
    if (!full) last[msg.length - (n - 1) * 16] = 0x80;
    const kx = full ? k1 : k2;
    for (let i = 0; i < 16; i++) last[i] ^= kx[i];
    let x = Buffer.alloc(16);
    for (let b = 0; b < n - 1; b++) { const blk = msg.subarray(b * 16, b * 16 + 16); for (let i = 0; i < 16; i++) x[i] ^= blk[i]; x = enc(x); }
    for (let i = 0; i < 16; i++) x[i] ^= last[i];
    return enc(x);
}

function fail(msg) { console.error('wmbus_decode: ' + msg); process.exit(1); }

// records: [{dif, vif chain, tariff, value}] -> report keys
function records(p) {
    const out = [];
    let i = 0;
    while (i < p.length) {
        const dif = p[i++];
        if (dif === 0x2F) continue;
        let tariff = 0, sh = 0, e = dif;
        const difes = [];
        while (e & 0x80) { e = p[i++]; difes.push(e); tariff |= ((e >> 4) & 3) << sh; sh += 2; }
        const vifs = [];
        let v;
        do { v = p[i++]; vifs.push(v); } while (v & 0x80);
        const len = [0, 1, 2, 3, 4, 4, 6, 8][dif & 7];
        let val = 0;
        for (let k = len - 1; k >= 0; k--) val = val * 256 + p[i + k];
        i += len;
        out.push({dv: [dif, ...difes, ...vifs], tariff: tariff, vif: vifs[0] & 0x7F, back: vifs.some(x => (x & 0x7F) === 0x3C), value: val, len: len});
    }
    return out;
}
function name(r) {
    if (r.vif <= 0x07) return {key: (r.back ? '2' : '1') + '.8.' + r.tariff, v: r.value * Math.pow(10, r.vif - 3) / 1000};
    if (r.vif >= 0x28 && r.vif <= 0x2F) return {key: (r.back ? '2' : '1') + '.7.0', v: r.value * Math.pow(10, (r.vif & 7) - 3) / 1000};
    return null;
}

let full = 0, compact = 0, format = null;
const last = {};
for (const line of lines) {
    const t = Buffer.from(line, 'hex');
    if (t[0] + 1 !== t.length) fail('L does not match the line: ' + line);
    const id = Buffer.from(t.subarray(4, 8)).reverse().toString('hex'); // a copy: reverse() works in place
    if (id !== serial) fail('id ' + id);
    let plain;
    if (t[10] === 0x8D) {
        const iv = Buffer.concat([t.slice(2, 10), t.slice(11, 12), t.slice(13, 17), Buffer.alloc(3)]);
        const d = crypto.createDecipheriv('aes-128-ctr', key, iv);
        const p = Buffer.concat([d.update(t.slice(17)), d.final()]);
        if ((p[0] | p[1] << 8) !== crc(p.slice(2))) fail('payload CRC: ' + line);
        if (p[2] === 0x78) {
            full++;
            plain = p.slice(3);
            const recs = records(plain);
            format = recs.map(r => ({dv: r.dv, len: r.len}));
            const dvs = Buffer.from([].concat(...recs.map(r => r.dv)));
            format.sig = crc(dvs);
        } else if (p[2] === 0x79) {
            compact++;
            if (format === null) fail('compact frame before any full one');
            if ((p[3] | p[4] << 8) !== format.sig) fail('format signature');
            // rebuild the full records from the learnt format and check the full-content CRC
            const data = p.slice(7);
            const parts = [];
            let k = 0;
            for (const f of format) { parts.push(Buffer.from(f.dv), data.slice(k, k + f.len)); k += f.len; }
            plain = Buffer.concat(parts);
            if ((p[5] | p[6] << 8) !== crc(plain)) fail('full-content CRC');
        } else fail('TPL-CI ' + p[2]);
    } else if (t[10] === 0x7A) {
        const nb = t[13] >> 4;
        if ((t[14] & 0x1F) !== 5) fail('security mode');
        const iv = Buffer.concat([t.slice(2, 10), Buffer.alloc(8, t[11])]);
        const d = crypto.createDecipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
        const p = Buffer.concat([d.update(t.slice(15, 15 + 16 * nb)), d.final()]);
        if (p[0] !== 0x2F || p[1] !== 0x2F) fail('2F 2F check: ' + line);
        full++;
        plain = p.slice(2);
    } else if (t[10] === 0x90) { // OMS mode 7: AFL (MCL, MCR, MAC), TPL 7A mode 7, KDF
        const mcr = t.subarray(15, 19), id = t.subarray(4, 8);
        const kdf = dc => cmac(key, Buffer.concat([Buffer.from([dc]), mcr, id, Buffer.alloc(7, 7)]));
        const kenc = kdf(0), kmac = kdf(1);
        const mac = cmac(kmac, Buffer.concat([t.subarray(14, 15), mcr, t.subarray(27)]));
        if (!mac.subarray(0, 8).equals(t.subarray(19, 27))) fail('AFL MAC: ' + line);
        if (t[27] !== 0x7A || (t[31] & 0x1F) !== 7) fail('mode 7 TPL');
        const nb = t[30] >> 4;
        const d = crypto.createDecipheriv('aes-128-cbc', kenc, Buffer.alloc(16)).setAutoPadding(false);
        const p = Buffer.concat([d.update(t.subarray(33, 33 + 16 * nb)), d.final()]);
        if (p[0] !== 0x2F || p[1] !== 0x2F) fail('2F 2F check (mode 7): ' + line);
        full++;
        plain = p.subarray(2);
    } else if (t[10] === 0x78) {
        full++;
        plain = t.slice(11);
    } else fail('CI ' + t[10]);
    for (const r of records(plain)) {
        const n = name(r);
        if (n !== null) last[n.key] = n.v;
    }
}
console.log(JSON.stringify({telegrams: lines.length, full: full, compact: compact, last: last}));
