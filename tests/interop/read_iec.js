// IEC 62056-21 mode C readout with the npm package smartmeter-obis (an
// independent D0 client), from a serial device (here a socat pty bridged
// to the simulator's optical port). Prints the parsed data sets as JSON:
// {"C.D.E[*F]": {"values": [{"value": v, "unit": u}, ...], "raw": "..."}}.
// Usage: node read_iec.js DEVICE NODE_MODULES_DIR
'use strict';
const path = require('path');
const dev = process.argv[2];
const SmartmeterObis = require(path.join(process.argv[3], 'smartmeter-obis'));

const options = {
    protocol: 'D0Protocol',
    transport: 'SerialRequestResponseTransport',
    transportSerialPort: dev,
    transportSerialBaudrate: 300,
    protocolD0WakeupCharacters: 0,
    protocolD0DeviceAddress: '',
    requestInterval: -1,          // one readout, then stop
    transportSerialMessageTimeout: 30000,
    obisFallbackMedium: 1,
    debug: 0,
};

let done = false;
const tr = SmartmeterObis.init(options, function (err, result) {
    if (done)
        return;
    if (err) {
        done = true;
        console.error('smartmeter-obis error: ' + err);
        tr.stop();
        process.exit(1);
    }
    const out = {};
    for (const id in result) {
        const m = result[id];
        let key = m.measurement + '.' + m.measureType + '.' + m.tariffRate;
        if (m.previousMeasurement !== undefined)
            key += '*' + String(m.previousMeasurement).padStart(2, '0');
        out[key] = {values: m.values, raw: m.rawValue};
    }
    done = true;
    console.log(JSON.stringify(out));
    tr.stop(function () { process.exit(0); });
    setTimeout(function () { process.exit(0); }, 1000);
});
tr.process();
setTimeout(function () {
    console.error('read_iec: no readout within 40 s');
    process.exit(2);
}, 40000);
