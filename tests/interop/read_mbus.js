// M-Bus readout with the npm package node-mbus (libmbus bound to Node.js,
// an independent M-Bus master): over TCP, the meter at its primary address
// (multi-telegram readout), then a secondary-address scan with wildcards
// and a readout of what the scan found, by its secondary address. Prints
// {"primary": <data>, "scan": [ids], "secondary": <data>} as JSON, <data>
// being node-mbus's parsed libmbus XML (SlaveInformation, DataRecord[]).
// Usage: node read_mbus.js PORT PRIMARY NODE_MODULES_DIR
'use strict';
const path = require('path');
const port = Number(process.argv[2]);
const primary = Number(process.argv[3]);
const MbusMaster = require(path.join(process.argv[4], 'node-mbus'));

const master = new MbusMaster({host: '127.0.0.1', port: port, timeout: 300, autoConnect: true});
const out = {};

function fail(what, err) {
    console.error('read_mbus: ' + what + ': ' + err);
    process.exit(1);
}

master.connect(function (err) {
    if (err)
        fail('connect', err);
    master.getData(primary, function (err, data) {
        if (err)
            fail('getData(' + primary + ')', err);
        out.primary = data;
        master.scanSecondary(function (err, ids) {
            if (err)
                fail('scanSecondary', err);
            out.scan = ids;
            if (!ids || ids.length !== 1)
                fail('scanSecondary', 'found ' + JSON.stringify(ids));
            master.getData(ids[0], function (err, data2) {
                if (err)
                    fail('getData(' + ids[0] + ')', err);
                out.secondary = data2;
                console.log(JSON.stringify(out));
                master.close(function () { process.exit(0); });
            });
        });
    });
});
setTimeout(function () { fail('timeout', 'no result within 240 s'); }, 240000);
