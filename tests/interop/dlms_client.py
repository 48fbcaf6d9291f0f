#!/usr/bin/python3
"""A DLMS/COSEM client of the project's own (stdlib only) against a running
trimeter-sim: HDLC on the serial module's pty (the line must run at 9600 Bd
8N1: the simulator paces the pty at the rate the meter set) and the IEC
62056-47 wrapper on the TCP/IP module, two connections at once, each with its
own association. Frames and CRCs are built here from the standards, not with
the meter's code. Usage: dlms_client.py PTY_PATH TCP_PORT"""
import os
import select
import socket
import sys
import termios
import tty

AARQ_NONE = bytes.fromhex("601DA109060760857405080101BE10040E01000000065F1F0400007E1F04B0")
AARQ_LLS = bytes.fromhex("6036A1090607608574050801018A0207808B0760857405080201AC0A80083132333435363738"
                         "BE10040E01000000065F1F0400007E1F04B0")
GET_180 = bytes.fromhex("C001C100030100010800FF0200")      # 1-0:1.8.0.255 attribute 2
GET_SERIAL = bytes.fromhex("C001C100010000600100FF0200")  # 0-0:96.1.0.255
RLRQ = bytes.fromhex("6203800100")


def fail(msg):
    raise SystemExit("dlms_client: " + msg)


def crc_x25(data):
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF


def hdlc_frame(ctl, info=b"", client=16):
    """Server 1/17 in the two-byte form, client one byte."""
    addr = bytes([0x02, 0x23, (client << 1) | 1, ctl])
    n = 2 + len(addr) + (2 + len(info) if info else 0) + 2
    body = bytes([0xA0 | (n >> 8), n & 0xFF]) + addr
    if info:
        h = crc_x25(body)
        body += bytes([h & 0xFF, h >> 8]) + info
    f = crc_x25(body)
    return b"\x7e" + body + bytes([f & 0xFF, f >> 8]) + b"\x7e"


def hdlc_read(fd, limit_s=10.0):
    """One whole frame (by its length), checked."""
    buf = b""
    while True:
        while buf and buf[0] != 0x7E:
            buf = buf[1:]
        if len(buf) >= 3:
            n = ((buf[1] & 0x07) << 8) | buf[2]
            if len(buf) >= n + 2:
                f = buf[1:n + 1]
                if buf[n + 1] != 0x7E or crc_x25(f[:-2]) != (f[-2] | f[-1] << 8):
                    fail("bad frame %s" % buf[:n + 2].hex())
                return f
        r, _, _ = select.select([fd], [], [], limit_s)
        if not r:
            fail("timeout, got %s" % buf.hex())
        buf += os.read(fd, 4096)


def hdlc_parts(f):
    """(segmented, control, information) of a frame from the meter to client 16."""
    if f[2] & 1 == 0 or f[3:5] != b"\x02\x23":
        fail("addresses %s" % f[:6].hex())
    ctl = f[5]
    info = f[8:-2] if len(f) > 8 else b""
    return bool(f[0] & 0x08), ctl, info


def hdlc_session(path):
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    if attrs[5] != termios.B9600:
        fail("the serial module's pty runs at speed code %d, not 9600 Bd" % attrs[5])
    os.write(fd, hdlc_frame(0x93))
    _, ctl, info = hdlc_parts(hdlc_read(fd))
    if ctl != 0x73 or not info.startswith(b"\x81\x80"):
        fail("no UA to the SNRM: %02x %s" % (ctl, info.hex()))
    ns = nr = 0
    answers = []
    for apdu in (AARQ_NONE, GET_180, GET_SERIAL, RLRQ):
        os.write(fd, hdlc_frame((nr << 5) | 0x10 | (ns << 1), b"\xE6\xE6\x00" + apdu))
        ns = (ns + 1) & 7
        data = b""
        while True:
            seg, ctl, info = hdlc_parts(hdlc_read(fd))
            if ctl & 1:
                fail("S/U frame %02x to an I-frame" % ctl)
            if (ctl >> 1) & 7 != nr:
                fail("N(S) %d, expected %d" % ((ctl >> 1) & 7, nr))
            nr = (nr + 1) & 7
            data += info
            if not seg:
                break
            os.write(fd, hdlc_frame((nr << 5) | 0x11))
        if not data.startswith(b"\xE6\xE7\x00"):
            fail("LLC %s" % data[:3].hex())
        answers.append(data[3:])
    os.write(fd, hdlc_frame(0x53))
    _, ctl, _ = hdlc_parts(hdlc_read(fd))
    if ctl != 0x73:
        fail("no UA to the DISC: %02x" % ctl)
    os.close(fd)
    return answers


def aare_ok(a):
    return a[:1] == b"\x61" and b"\xA2\x03\x02\x01\x00" in a


def wrap(client, apdu):
    return bytes([0, 1, 0, client, 0, 1, len(apdu) >> 8, len(apdu) & 0xFF]) + apdu


def wrap_xfer(s, client, apdu):
    s.sendall(wrap(client, apdu))
    buf = b""
    while len(buf) < 8 or len(buf) < 8 + (buf[6] << 8 | buf[7]):
        chunk = s.recv(65536)
        if not chunk:
            fail("wrapper connection closed")
        buf += chunk
    if buf[:6] != bytes([0, 1, 0, 1, 0, client]):
        fail("wrapper header %s" % buf[:8].hex())
    return buf[8:]


def main():
    path, port = sys.argv[1], int(sys.argv[2])
    aare, reg, serial, rlre = hdlc_session(path)
    if not aare_ok(aare):
        fail("HDLC: association refused %s" % aare.hex())
    if reg[:4] != b"\xC4\x01\xC1\x00" or serial[:4] != b"\xC4\x01\xC1\x00" or rlre[:1] != b"\x63":
        fail("HDLC: answers %s %s %s" % (reg.hex(), serial.hex(), rlre.hex()))
    print("hdlc on the serial pty at 9600 Bd: AARE accepted, 1-0:1.8.0 %s, serial %s, RLRE" % (reg[4:].hex(), serial[4:].hex()))
    # two wrapper connections at once: public and reading client
    a = socket.create_connection(("127.0.0.1", port), timeout=10)
    b = socket.create_connection(("127.0.0.1", port), timeout=10)
    if not aare_ok(wrap_xfer(a, 16, AARQ_NONE)) or not aare_ok(wrap_xfer(b, 17, AARQ_LLS)):
        fail("wrapper: association refused")
    for s, c in ((a, 16), (b, 17), (a, 16)):
        r = wrap_xfer(s, c, GET_180)
        if r[:4] != b"\xC4\x01\xC1\x00":
            fail("wrapper: GET on client %d: %s" % (c, r.hex()))
    if wrap_xfer(b, 17, RLRQ)[:1] != b"\x63" or wrap_xfer(a, 16, RLRQ)[:1] != b"\x63":
        fail("wrapper: release")
    a.close()
    b.close()
    print("wrapper: two connections at once, public and LLS associations, GET and RLRE on both")


if __name__ == "__main__":
    main()
