#!/usr/bin/env node
// dlms_client.js — the project's own DLMS/COSEM client for the tests: reads
// a meter over the IEC 62056-47 wrapper or HDLC (IEC 62056-46) on a TCP
// port, as the public client (16), the reading client (17, LLS) or the
// management client (1, HLS-GMAC, security suite 0). Node's standard
// library only (net, crypto): written from the standards for the tests,
// sharing no code with the meter.
//
//   node dlms_client.js --wrapper HOST:PORT | --hdlc HOST:PORT [options] [actions]
//   options: --client 16|17|1  --password TEXT  --title HEX  --ek HEX  --ak HEX
//            --ic N | --ic-from-public  --server-phys N  --server-logical N
//            --info N (HDLC max information field)  --window N  --max-pdu N
//   actions (in order): --get CLASS:A-B:C.D.E*F:ATTR   --view   --read-all
//            --profile A-B:C.D.E*F FROM TO (ISO times, range by clock)
//            --entries A-B:C.D.E*F FIRST LAST   --expect-refused
// Prints one JSON document: the association, and per action its result.
'use strict';
const net = require('net');
const crypto = require('crypto');

// ---- command line --------------------------------------------------------
// (required as a module, e.g. by the fleet's sweep: no command line)
const argv = require.main === module ? process.argv.slice(2) : [];
const opt = { client: 16, password: '12345678', title: Buffer.from('4D4D4D0000000001', 'hex'),
    ek: Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex'),
    ak: Buffer.from('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF', 'hex'), ic: 0, icFromPublic: false,
    phys: 17, logical: 1, info: 128, window: 1, maxPdu: 0xFFFF, actions: [] };
for (let i = 0; i < argv.length; i++) {
    const a = argv[i], v = () => argv[++i];
    switch (a) {
    case '--wrapper': opt.wrapper = v(); break;
    case '--hdlc': opt.hdlc = v(); break;
    case '--client': opt.client = +v(); break;
    case '--password': opt.password = v(); break;
    case '--title': opt.title = Buffer.from(v(), 'hex'); break;
    case '--ek': opt.ek = Buffer.from(v(), 'hex'); break;
    case '--ak': opt.ak = Buffer.from(v(), 'hex'); break;
    case '--ic': opt.ic = +v(); break;
    case '--ic-from-public': opt.icFromPublic = true; break;
    case '--server-phys': opt.phys = +v(); break;
    case '--server-logical': opt.logical = +v(); break;
    case '--info': opt.info = +v(); break;
    case '--window': opt.window = +v(); break;
    case '--max-pdu': opt.maxPdu = +v(); break;
    case '--get': opt.actions.push({ get: v() }); break;
    case '--view': opt.actions.push({ view: true }); break;
    case '--read-all': opt.actions.push({ readAll: true }); break;
    case '--profile': opt.actions.push({ profile: v(), from: v(), to: v() }); break;
    case '--entries': opt.actions.push({ entries: v(), first: +v(), last: +v() }); break;
    case '--expect-refused': opt.expectRefused = true; break;
    default: fail(`unknown option ${a}`);
    }
}
if (require.main === module && !opt.wrapper === !opt.hdlc)
    fail('one of --wrapper HOST:PORT or --hdlc HOST:PORT');

function fail(msg) {
    process.stderr.write(`dlms_client: ${msg}\n`);
    process.exit(2);
}

// ---- byte stream over TCP -------------------------------------------------
class Stream {
    constructor(hostport) {
        const [host, port] = hostport.split(':');
        this.buf = Buffer.alloc(0);
        this.waiters = [];
        this.sock = net.connect(+port, host);
        this.sock.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.wake(); });
        this.sock.on('error', (e) => { this.err = e; this.wake(); });
        this.sock.on('close', () => { this.closed = true; this.wake(); });
        this.ready = new Promise((res, rej) => { this.sock.once('connect', res); this.sock.once('error', rej); });
    }
    wake() { const w = this.waiters; this.waiters = []; w.forEach((f) => f()); }
    write(b) { this.sock.write(b); }
    // wait until pred(buf) returns a length to take, or time out
    async take(pred, ms = 10000) {
        const t0 = Date.now();
        for (;;) {
            const n = pred(this.buf);
            if (n > 0) { const out = this.buf.subarray(0, n); this.buf = this.buf.subarray(n); return out; }
            if (this.err) throw this.err;
            if (this.closed) throw new Error('connection closed');
            const left = ms - (Date.now() - t0);
            if (left <= 0) throw new Error('timeout');
            await new Promise((res) => { this.waiters.push(res); setTimeout(res, left).unref(); });
        }
    }
    close() { this.sock.end(); }
}

// ---- IEC 62056-47 wrapper -------------------------------------------------
class Wrapper {
    constructor(s, client, logical) { this.s = s; this.client = client; this.logical = logical; }
    async open() {}
    async xfer(apdu) {
        const h = Buffer.alloc(8);
        h.writeUInt16BE(1, 0);
        h.writeUInt16BE(this.client, 2);
        h.writeUInt16BE(this.logical, 4);
        h.writeUInt16BE(apdu.length, 6);
        this.s.write(Buffer.concat([h, apdu]));
        const hdr = await this.s.take((b) => (b.length >= 8 ? 8 : 0));
        if (hdr.readUInt16BE(0) !== 1 || hdr.readUInt16BE(2) !== this.logical || hdr.readUInt16BE(4) !== this.client)
            throw new Error(`wrapper header ${hdr.toString('hex')}`);
        const len = hdr.readUInt16BE(6);
        return Buffer.from(await this.s.take((b) => (b.length >= len ? len : 0)));
    }
    async close() {}
}

// ---- IEC 62056-46 HDLC ----------------------------------------------------
function crc16x25(b) {
    let c = 0xFFFF;
    for (const x of b) {
        c ^= x;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
    }
    return ~c & 0xFFFF;
}

class Hdlc {
    constructor(s, client, logical, phys, info, window) {
        this.s = s;
        this.client = Buffer.from([(client << 1) | 1]);
        this.server = phys > 0 ? Buffer.from([logical << 1, (phys << 1) | 1]) : Buffer.from([(logical << 1) | 1]);
        this.info = info;
        this.window = window;
        this.ns = 0;
        this.nr = 0;
    }
    frame(control, info, seg) {
        const hl = 2 + this.server.length + 1 + 1;
        const len = hl + (info ? 2 + info.length : 0) + 2;
        const f = [0xA0 | (seg ? 0x08 : 0) | ((len >> 8) & 7), len & 0xFF, ...this.server, this.client[0], control];
        let b = Buffer.from(f);
        if (info) {
            const hcs = crc16x25(b);
            b = Buffer.concat([b, Buffer.from([hcs & 0xFF, hcs >> 8]), info]);
        }
        const fcs = crc16x25(b);
        return Buffer.concat([Buffer.from([0x7E]), b, Buffer.from([fcs & 0xFF, fcs >> 8, 0x7E])]);
    }
    async recv() {
        // skip to a flag, then a whole frame by its length; check both CRCs
        for (;;) {
            await this.s.take((b) => { const i = b.indexOf(0x7E); return i > 0 ? i : 0; }, 10).catch(() => {});
            const fr = await this.s.take((b) => {
                if (b.length < 3 || b[0] !== 0x7E) return b.length && b[0] !== 0x7E ? 1 : 0;
                const len = ((b[1] & 7) << 8) | b[2];
                return b.length >= len + 2 ? len + 2 : 0;
            });
            if (fr[0] !== 0x7E || fr[fr.length - 1] !== 0x7E || (fr[1] & 0xF0) !== 0xA0) continue;
            const body = fr.subarray(1, fr.length - 1);
            const fcs = crc16x25(body.subarray(0, body.length - 2));
            if (body.readUInt16LE(body.length - 2) !== fcs) throw new Error('FCS');
            // addresses: destination (client, 1 byte here), source (server)
            let i = 2;
            const dst = i; while (!(body[i] & 1)) i++; i++;
            const src = i; while (!(body[i] & 1)) i++; i++;
            if (!body.subarray(dst, src).equals(this.client)) throw new Error('frame for another client');
            const control = body[i++];
            let info = null;
            if (body.length - 2 > i) {
                const hcs = crc16x25(body.subarray(0, i));
                if (body.readUInt16LE(i) !== hcs) throw new Error('HCS');
                info = body.subarray(i + 2, body.length - 2);
            }
            return { control, info, seg: (body[0] & 0x08) !== 0 };
        }
    }
    async open() {
        const p = (t, v) => Buffer.from([t, 4, (v >>> 24) & 0xFF, (v >>> 16) & 0xFF, (v >>> 8) & 0xFF, v & 0xFF]);
        const params = Buffer.concat([p(5, this.info), p(6, this.info), p(7, this.window), p(8, this.window)]);
        this.s.write(this.frame(0x93, Buffer.concat([Buffer.from([0x81, 0x80, params.length]), params])));
        const ua = await this.recv();
        if (ua.control !== 0x73) throw new Error(`SNRM answered with control ${ua.control.toString(16)}`);
        this.txInfo = this.info;
        if (ua.info && ua.info[0] === 0x81) {
            for (let i = 3; i + 2 <= ua.info.length;) {
                const t = ua.info[i], l = ua.info[i + 1];
                let v = 0;
                for (let k = 0; k < l; k++) v = v * 256 + ua.info[i + 2 + k];
                if (t === 6) this.txInfo = v; // the server's receive field: what we may send
                if (t === 5) this.rxInfo = v;
                i += 2 + l;
            }
        }
        this.ua = ua.info ? ua.info.toString('hex') : '';
    }
    async xfer(apdu) {
        let data = Buffer.concat([Buffer.from([0xE6, 0xE6, 0x00]), apdu]);
        for (;;) {
            const part = data.subarray(0, this.txInfo);
            data = data.subarray(part.length);
            const seg = data.length > 0;
            this.s.write(this.frame((this.nr << 5) | 0x10 | (this.ns << 1), part, seg));
            this.ns = (this.ns + 1) & 7;
            if (!seg) break;
            const rr = await this.recv(); // the server acknowledges each segment
            if ((rr.control & 0x0F) !== 0x01) throw new Error(`segment answered with ${rr.control.toString(16)}`);
        }
        const out = [];
        for (;;) {
            const f = await this.recv();
            if (f.control & 1) throw new Error(`expected an I-frame, got ${f.control.toString(16)}`);
            const ns = (f.control >> 1) & 7;
            if (ns !== this.nr) throw new Error('out of sequence');
            this.nr = (this.nr + 1) & 7;
            out.push(f.info);
            if (!f.seg) break;
            this.s.write(this.frame((this.nr << 5) | 0x10 | 0x01, null, false)); // RR: next segment
        }
        const rsp = Buffer.concat(out);
        if (rsp[0] !== 0xE6 || rsp[1] !== 0xE7 || rsp[2] !== 0x00) throw new Error('LLC');
        return rsp.subarray(3);
    }
    async close() {
        this.s.write(this.frame(0x53, null, false));
        const f = await this.recv().catch(() => null);
        if (f && f.control !== 0x73 && f.control !== 0x1F) throw new Error('DISC not answered');
    }
}

// ---- A-XDR -----------------------------------------------------------------
const FIX = { 3: 1, 5: 4, 6: 4, 15: 1, 16: 2, 17: 1, 18: 2, 20: 8, 21: 8, 22: 1, 23: 4, 24: 8, 25: 12, 26: 5, 27: 4 };
function len(b, p) {
    let n = b[p.i++];
    if (n & 0x80) {
        const k = n & 0x7F;
        if (k < 1 || k > 4) throw new Error('length');
        n = 0;
        for (let j = 0; j < k; j++) n = n * 256 + b[p.i++];
    }
    return n;
}
function decode(b, p = { i: 0 }) {
    if (p.i >= b.length) throw new Error('short A-XDR');
    const t = b[p.i++];
    if (t === 0) return null;
    if (t === 1 || t === 2) { const n = len(b, p), a = []; for (let k = 0; k < n; k++) a.push(decode(b, p)); return a; }
    if (t === 9 || t === 10 || t === 12 || t === 13) {
        const n = len(b, p), s = b.subarray(p.i, p.i + n);
        if (s.length !== n) throw new Error('short string');
        p.i += n;
        return t === 10 || t === 12 ? s.toString('latin1') : Buffer.from(s);
    }
    if (t === 4) { const n = len(b, p), s = b.subarray(p.i, p.i + ((n + 7) >> 3)); p.i += (n + 7) >> 3; return { bits: n, hex: s.toString('hex') }; }
    const n = FIX[t];
    if (n === undefined) throw new Error(`A-XDR tag ${t}`);
    const s = b.subarray(p.i, p.i + n);
    if (s.length !== n) throw new Error('short value');
    p.i += n;
    switch (t) {
    case 3: return s[0] !== 0;
    case 5: return s.readInt32BE(0);
    case 6: return s.readUInt32BE(0);
    case 15: return s.readInt8(0);
    case 16: return s.readInt16BE(0);
    case 17: case 22: return s[0];
    case 18: return s.readUInt16BE(0);
    case 20: return Number(s.readBigInt64BE(0));
    case 21: return Number(s.readBigUInt64BE(0));
    case 23: return s.readFloatBE(0);
    case 24: return s.readDoubleBE(0);
    default: return Buffer.from(s);
    }
}
// COSEM date-time (12 bytes) -> ISO with the offset it carries (UTC = local + deviation)
function dateTime(d) {
    if (!Buffer.isBuffer(d) || d.length !== 12) return null;
    const y = d.readUInt16BE(0);
    if (y === 0xFFFF || d[2] === 0xFF) return null;
    const dev = d.readInt16BE(9), off = dev === -0x8000 ? 0 : -dev;
    const local = Date.UTC(y, d[2] - 1, d[3], d[5], d[6], d[7]);
    const sign = off < 0 ? '-' : '+', a = Math.abs(off);
    const iso = new Date(local).toISOString().slice(0, 19);
    return `${iso}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}
function dtBytes(iso) {
    // ISO with offset -> COSEM date-time in that offset
    const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?(Z|[+-]\d\d:\d\d)$/.exec(iso);
    if (!m) fail(`time ${iso}`);
    const off = m[7] === 'Z' ? 0 : (m[7][0] === '-' ? -1 : 1) * (+m[7].slice(1, 3) * 60 + +m[7].slice(4, 6));
    const b = Buffer.alloc(12);
    b.writeUInt16BE(+m[1], 0);
    b[2] = +m[2]; b[3] = +m[3]; b[4] = 0xFF; b[5] = +m[4]; b[6] = +m[5]; b[7] = +(m[6] || 0); b[8] = 0;
    b.writeInt16BE(-off, 9);
    b[11] = 0x00;
    return b;
}
function obis(text) {
    const m = /^(\d+)-(\d+):(\d+)\.(\d+)\.(\d+)(?:\*(\d+))?$/.exec(text);
    if (!m) fail(`OBIS ${text}`);
    return Buffer.from([+m[1], +m[2], +m[3], +m[4], +m[5], m[6] === undefined ? 255 : +m[6]]);
}
function obisText(b) { return `${b[0]}-${b[1]}:${b[2]}.${b[3]}.${b[4]}*${b[5]}`; }

// ---- security suite 0 --------------------------------------------------------
function gcm(key, title, ic, sc, ak, plain) {
    const iv = Buffer.concat([title, Buffer.from([ic >>> 24, (ic >>> 16) & 0xFF, (ic >>> 8) & 0xFF, ic & 0xFF])]);
    const c = crypto.createCipheriv('aes-128-gcm', key, iv, { authTagLength: 12 });
    c.setAAD(Buffer.concat([Buffer.from([sc]), ak]));
    const ct = Buffer.concat([c.update(plain), c.final()]);
    return Buffer.concat([Buffer.from([sc, ic >>> 24, (ic >>> 16) & 0xFF, (ic >>> 8) & 0xFF, ic & 0xFF]), ct, c.getAuthTag()]);
}
function ungcm(key, title, ak, body) {
    const sc = body[0], ic = body.readUInt32BE(1);
    if (sc !== 0x30) throw new Error(`security control ${sc}`);
    const iv = Buffer.concat([title, body.subarray(1, 5)]);
    const d = crypto.createDecipheriv('aes-128-gcm', key, iv, { authTagLength: 12 });
    d.setAAD(Buffer.concat([Buffer.from([sc]), ak]));
    d.setAuthTag(body.subarray(body.length - 12));
    return { ic, plain: Buffer.concat([d.update(body.subarray(5, body.length - 12)), d.final()]) };
}
function gmac(key, title, ic, ak, challenge) {
    const iv = Buffer.concat([title, Buffer.from([ic >>> 24, (ic >>> 16) & 0xFF, (ic >>> 8) & 0xFF, ic & 0xFF])]);
    const c = crypto.createCipheriv('aes-128-gcm', key, iv, { authTagLength: 12 });
    c.setAAD(Buffer.concat([Buffer.from([0x10]), ak, challenge]));
    c.final();
    return c.getAuthTag();
}
function berLen(n) { return n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xFF]); }
function tlv(tag, content) { return Buffer.concat([Buffer.from([tag]), berLen(content.length), content]); }

// ---- the association ------------------------------------------------------------
class Client {
    constructor(link, o) { this.link = link; this.o = o; this.ic = o.ic; this.invoke = 0xC1; }
    initiate() {
        return Buffer.from([0x01, 0x00, 0x00, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x00, 0x7E, 0x1F,
            this.o.maxPdu >> 8, this.o.maxPdu & 0xFF]);
    }
    async associate() {
        const o = this.o, parts = [];
        const cipher = o.client === 1;
        parts.push(tlv(0xA1, tlv(0x06, Buffer.from([0x60, 0x85, 0x74, 0x05, 0x08, 0x01, cipher ? 3 : 1]))));
        if (cipher) parts.push(tlv(0xA6, tlv(0x04, o.title)));
        let mech = o.client === 17 ? 1 : cipher ? 5 : 0;
        if (mech) {
            parts.push(Buffer.from([0x8A, 0x02, 0x07, 0x80]));
            parts.push(tlv(0x8B, Buffer.from([0x60, 0x85, 0x74, 0x05, 0x08, 0x02, mech])));
            this.ctos = mech === 5 ? crypto.randomBytes(16) : Buffer.from(o.password, 'latin1');
            parts.push(tlv(0xAC, tlv(0x80, this.ctos)));
        }
        let ui = this.initiate();
        if (cipher) ui = tlv(0x21, gcm(o.ek, o.title, this.ic++, 0x30, o.ak, ui));
        parts.push(tlv(0xBE, tlv(0x04, ui)));
        const aare = await this.link.xfer(tlv(0x60, Buffer.concat(parts)));
        const f = {};
        if (aare[0] !== 0x61) throw new Error(`no AARE: ${aare.toString('hex')}`);
        for (let i = 2; i < aare.length;) {
            const t = aare[i], l = aare[i + 1];
            f[t] = aare.subarray(i + 2, i + 2 + l);
            i += 2 + l;
        }
        const res = { result: f[0xA2] ? f[0xA2][2] : -1, diagnostic: f[0xA3] ? f[0xA3][4] : -1, aare: aare.toString('hex') };
        if (res.result !== 0) return res;
        if (cipher) {
            this.serverTitle = f[0xA4].subarray(2, 10);
            const stoc = f[0xAA].subarray(2);
            const uiR = f[0xBE].subarray(2);
            if (uiR[0] !== 0x28) throw new Error('no glo-initiate-response');
            const ini = ungcm(o.ek, this.serverTitle, o.ak, uiR.subarray(2)).plain;
            res.conformance = ini.subarray(7, 10).toString('hex');
            res.maxPdu = ini.readUInt16BE(10);
            // reply_to_HLS_authentication with f(StoC)
            const ic = this.ic;
            const fs = Buffer.concat([Buffer.from([0x10, ic >>> 24, (ic >>> 16) & 0xFF, (ic >>> 8) & 0xFF, ic & 0xFF]),
                gmac(o.ek, o.title, ic, o.ak, stoc)]);
            const act = Buffer.concat([Buffer.from([0xC3, 0x01, this.invoke, 0x00, 0x0F, 0, 0, 40, 0, 0, 255, 1, 1, 0x09, fs.length]), fs]);
            const r = await this.request(act);
            if (r[0] !== 0xC7 || r[3] !== 0) { res.result = 'hls-refused'; res.action = r.toString('hex'); return res; }
            const back = decode(r, { i: 6 });
            const sic = back.readUInt32BE(1);
            if (!gmac(o.ek, this.serverTitle, sic, o.ak, this.ctos).equals(back.subarray(5))) throw new Error('f(CtoS) wrong');
            res.hls = 'passed';
            res.serverTitle = this.serverTitle.toString('hex');
        } else {
            const ini = f[0xBE].subarray(2);
            res.conformance = ini.subarray(7, 10).toString('hex');
            res.maxPdu = ini.readUInt16BE(10);
        }
        this.cipher = cipher;
        return res;
    }
    async request(apdu) {
        if (!this.cipher && !(this.o.client === 1 && apdu[0] === 0xC3)) return this.link.xfer(apdu);
        const tag = apdu[0] === 0xC0 ? 0xC8 : apdu[0] === 0xC1 ? 0xC9 : 0xCB;
        const r = await this.link.xfer(tlv(tag, gcm(this.o.ek, this.o.title, this.ic++, 0x30, this.o.ak, apdu)));
        if (r[0] === 0xD8) return r;
        if (r[0] !== tag + 4) throw new Error(`ciphered answer ${r.toString('hex')}`);
        const p = { i: 1 };
        const l = len(r, p);
        return ungcm(this.o.ek, this.serverTitle, this.o.ak, r.subarray(p.i, p.i + l)).plain;
    }
    // GET one attribute, blocks reassembled. Returns {value} or {dar}.
    async get(ic, ln, attr, sel) {
        const req = Buffer.concat([Buffer.from([0xC0, 0x01, this.invoke, ic >> 8, ic & 0xFF]), ln,
            Buffer.from([attr]), sel ? Buffer.concat([Buffer.from([1]), sel]) : Buffer.from([0])]);
        let r = await this.request(req);
        const raw = [];
        let blocks = 0;
        for (;;) {
            if (r[0] === 0xD8) return { exception: r.toString('hex') };
            if (r[0] !== 0xC4) throw new Error(`GET answer ${r.toString('hex')}`);
            if (r[1] === 1) {
                if (r[3] !== 0) return { dar: r[4] };
                return { value: decode(r, { i: 4 }), blocks };
            }
            if (r[1] !== 2) throw new Error('GET response type');
            blocks++;
            const last = r[3], bn = r.readUInt32BE(4);
            if (bn !== blocks) throw new Error('block number');
            if (r[8] !== 0) return { dar: r[9], blocks };
            const p = { i: 9 };
            const l = len(r, p);
            raw.push(r.subarray(p.i, p.i + l));
            if (last) {
                const all = Buffer.concat(raw);
                const q = { i: 0 };
                const v = decode(all, q);
                if (q.i !== all.length) throw new Error('bytes after the value');
                return { value: v, blocks };
            }
            r = await this.request(Buffer.from([0xC0, 0x02, this.invoke, bn >>> 24, (bn >>> 16) & 0xFF, (bn >>> 8) & 0xFF, bn & 0xFF]));
        }
    }
    async release() {
        const r = await this.link.xfer(Buffer.from([0x62, 0x03, 0x80, 0x01, 0x00]));
        if (!r.equals(Buffer.from([0x63, 0x03, 0x80, 0x01, 0x00]))) throw new Error(`RLRE ${r.toString('hex')}`);
    }
}

function show(v) {
    if (Buffer.isBuffer(v)) return dateTime(v) || v.toString('hex');
    if (Array.isArray(v)) return v.map(show);
    return v;
}

const CLOCK_COL = Buffer.from([0x02, 0x04, 0x12, 0x00, 0x08, 0x09, 0x06, 0, 0, 1, 0, 0, 255, 0x0F, 0x02, 0x12, 0x00, 0x00]);

async function session(o, client, body) {
    const s = new Stream(o.wrapper || o.hdlc);
    await s.ready;
    const link = o.wrapper ? new Wrapper(s, client, o.logical)
        : new Hdlc(s, client, o.logical, o.phys, o.info, o.window);
    await link.open();
    const c = new Client(link, { ...o, client });
    try {
        return await body(c, link);
    } finally {
        await link.close().catch(() => {});
        s.close();
    }
}

async function main() {
    const out = { transport: opt.wrapper ? 'wrapper' : 'hdlc', client: opt.client };
    if (opt.icFromPublic) {
        out.icRead = await session(opt, 16, async (c) => {
            const a = await c.associate();
            if (a.result !== 0) throw new Error('public association refused');
            const r = await c.get(1, obis('0-0:43.1.1*255'), 2);
            await c.release();
            return r.value;
        });
        opt.ic = out.icRead;
    }
    await session(opt, opt.client, async (c, link) => {
        out.association = await c.associate();
        if (link.ua !== undefined) out.hdlc = { ua: link.ua, txInfo: link.txInfo };
        if (out.association.result !== 0) {
            if (!opt.expectRefused) throw new Error(`association refused: ${JSON.stringify(out.association)}`);
            return;
        }
        out.actions = [];
        let view = null;
        for (const a of opt.actions) {
            if (a.get) {
                const [ic, ab, cde, attr] = a.get.split(':');
                const ln = `${ab}:${cde}`;
                const r = await c.get(+ic, obis(ln), +attr);
                out.actions.push({ get: a.get, ...r, value: show(r.value) });
            } else if (a.view || a.readAll) {
                const r = await c.get(15, obis('0-0:40.0.0*255'), 2);
                if (r.value === undefined) throw new Error(`view: ${JSON.stringify(r)}`);
                view = r.value.map((e) => ({ ic: e[0], version: e[1], ln: obisText(e[2]),
                    attrs: e[3][0].filter((x) => x[1] !== 0).map((x) => x[0]) }));
                if (a.view) out.actions.push({ view: view.length, blocks: r.blocks, objects: view });
                if (a.readAll) {
                    const all = [];
                    let n = 0, refused = 0;
                    for (const ob of view) {
                        for (const at of ob.attrs) {
                            // profile buffers: the newest two entries (a whole profile is --profile's job)
                            let sel = null;
                            if (ob.ic === 7 && at === 2)
                                sel = Buffer.from([2, 0x02, 0x04, 0x06, 0, 0, 0, 1, 0x06, 0, 0, 0, 2, 0x12, 0, 0, 0x12, 0, 0]);
                            const r2 = await c.get(ob.ic, obis(ob.ln), at, sel);
                            n++;
                            if (r2.value === undefined) refused++;
                            all.push({ obj: `${ob.ic}:${ob.ln}:${at}`, ...r2, value: show(r2.value) });
                        }
                    }
                    out.actions.push({ readAll: n, refused, results: all });
                }
            } else if (a.profile) {
                const sel = Buffer.concat([Buffer.from([1, 0x02, 0x04]), CLOCK_COL,
                    Buffer.from([0x09, 12]), dtBytes(a.from), Buffer.from([0x09, 12]), dtBytes(a.to), Buffer.from([0x01, 0x00])]);
                const r = await c.get(7, obis(a.profile), 2, sel);
                out.actions.push({ profile: a.profile, from: a.from, to: a.to, blocks: r.blocks, dar: r.dar,
                    entries: r.value ? r.value.length : undefined, value: show(r.value) });
            } else if (a.entries) {
                const sel = Buffer.from([2, 0x02, 0x04, 0x06, 0, 0, 0, 0, 0x06, 0, 0, 0, 0, 0x12, 0, 0, 0x12, 0, 0]);
                sel.writeUInt32BE(a.first, 4);
                sel.writeUInt32BE(a.last, 9);
                const r = await c.get(7, obis(a.entries), 2, sel);
                out.actions.push({ entries: a.entries, first: a.first, last: a.last, blocks: r.blocks, dar: r.dar,
                    value: show(r.value) });
            }
        }
        await c.release();
        out.icNext = c.ic;
    });
    process.stdout.write(JSON.stringify(out, null, 1) + '\n');
}

if (require.main === module)
    main().catch((e) => { process.stderr.write(`dlms_client: ${e.stack || e}\n`); process.exit(1); });
module.exports = { Stream, Wrapper, Hdlc, Client, obis, obisText, decode, dateTime, dtBytes };
