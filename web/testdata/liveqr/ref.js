// Writes the reference module matrix of a QR code (web/live_qr_test.go):
// npm install qrcode@1.5.4 && node ref.js "https://stride.example/join?code=ABC234" > join-ABC234.json
const QR = require('qrcode');
const text = process.argv[2];
const q = QR.create([{data: text, mode: 'byte'}], { errorCorrectionLevel: 'M' });
const n = q.modules.size, d = q.modules.data;
let rows = [];
for (let y = 0; y < n; y++) { let r = ''; for (let x = 0; x < n; x++) r += d[y*n+x] ? '#' : '.'; rows.push(r); }
console.log(JSON.stringify({version: q.version, mask: q.maskPattern, rows}));
