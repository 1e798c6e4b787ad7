/** The report's stylesheet, inlined into every page (no external assets). */
export const REPORT_CSS = `
:root { --fg:#1d2127; --muted:#5f6670; --line:#e3e6ea; --bg:#f6f7f9; --card:#fff; --accent:#2f6fde; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg); font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; }
header.top { background:#1f2a3a; color:#fff; padding:18px 28px 16px; }
header.top h1 { margin:0; font-size:20px; font-weight:600; letter-spacing:.2px; }
header.top .sub { color:#b9c3d0; font-size:13px; margin-top:4px; }
header.top .sub span + span::before { content:"·"; margin:0 8px; color:#6d7a8c; }
main { padding:20px 28px 40px; max-width:1400px; margin:0 auto; }
h2 { font-size:16px; margin:28px 0 12px; font-weight:600; }
h3 { font-size:14px; margin:0 0 8px; font-weight:600; }
.pill { display:inline-block; padding:1px 9px; border-radius:10px; font-size:12px; font-weight:600; margin-left:10px; vertical-align:2px; }
.pill.running { background:#e8f0fe; color:#1a56c4; } .pill.success { background:#d9f2e4; color:#126b3e; }
.pill.failed { background:#fde2e1; color:#a4231b; } .pill.interrupted { background:#fff1d6; color:#8a5a00; }
.cards { display:grid; grid-template-columns:repeat(auto-fill,minmax(135px,1fr)); gap:10px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:10px 14px; }
.card .k { color:var(--muted); font-size:12px; } .card .v { font-size:20px; font-weight:600; margin-top:2px; font-variant-numeric:tabular-nums; }
.card .d { color:var(--muted); font-size:11.5px; }
.charts { display:grid; grid-template-columns:repeat(auto-fill,minmax(460px,1fr)); gap:14px; }
.chart { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px 8px; }
.chart-svg { width:100%; height:auto; display:block; }
.legend { display:flex; flex-wrap:wrap; gap:4px 14px; font-size:12px; color:var(--muted); margin-bottom:4px; }
.legend i { display:inline-block; width:18px; height:0; border-top:2.5px solid; vertical-align:3px; margin-right:5px; }
.xaxis-radio { position:absolute; opacity:0; pointer-events:none; }
.xaxis-switch { display:inline-flex; border:1px solid var(--line); border-radius:6px; overflow:hidden; margin-bottom:12px; background:#fff; }
.xaxis-switch label { padding:4px 14px; cursor:pointer; font-size:12.5px; color:var(--muted); }
#xaxis-step:checked ~ .xaxis-switch label[for=xaxis-step], #xaxis-epoch:checked ~ .xaxis-switch label[for=xaxis-epoch] { background:var(--accent); color:#fff; }
#xaxis-step:checked ~ .charts .by-epoch, #xaxis-epoch:checked ~ .charts .by-step { display:none; }
details.table { background:var(--card); border:1px solid var(--line); border-radius:8px; margin-bottom:10px; }
details.table > summary { padding:10px 14px; cursor:pointer; font-weight:600; }
details.table > summary .meta { font-weight:400; color:var(--muted); margin-left:8px; }
table.preds { border-collapse:collapse; width:100%; font-size:13px; }
table.preds th { text-align:left; font-weight:600; color:var(--muted); font-size:12px; padding:6px 10px; border-top:1px solid var(--line); background:#fafbfc; }
table.preds td { padding:6px 10px; border-top:1px solid var(--line); vertical-align:middle; }
table.preds td.img img { display:block; height:44px; width:auto; max-width:min(520px,40vw); object-fit:contain; object-position:left center; border:1px solid #eceef1; background:#fff; }
table.preds td.txt { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; white-space:pre-wrap; word-break:break-word; }
table.preds td.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
table.preds td.id { color:var(--muted); font-size:11.5px; max-width:160px; word-break:break-all; }
mark { border-radius:2px; padding:0 1px; }
mark.sub { background:#ffe08a; } mark.ins { background:#ffc4c0; } mark.del { background:#c9defc; }
.cer { display:inline-block; min-width:52px; text-align:center; border-radius:10px; padding:1px 8px; font-weight:600; font-size:12px; }
.cer.c0 { background:#d9f2e4; color:#126b3e; } .cer.c1 { background:#eef7d9; color:#4a6b12; }
.cer.c2 { background:#fff1d6; color:#8a5a00; } .cer.c3 { background:#fde2e1; color:#a4231b; }
.two { display:grid; grid-template-columns:minmax(0,1fr) minmax(0,1fr); gap:14px; }
@media (max-width:900px) { .two { grid-template-columns:1fr; } .charts { grid-template-columns:1fr; } }
pre.config { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px 14px; overflow:auto; font-size:12.5px; max-height:520px; margin:0; }
table.kv { border-collapse:collapse; width:100%; background:#fff; border:1px solid var(--line); border-radius:8px; font-size:13px; }
table.kv td { padding:5px 12px; border-top:1px solid var(--line); vertical-align:top; }
table.kv td:first-child { color:var(--muted); white-space:nowrap; width:1%; }
table.runs { border-collapse:collapse; width:100%; background:#fff; border:1px solid var(--line); font-size:13px; }
table.runs th, table.runs td { padding:6px 10px; border-top:1px solid var(--line); text-align:left; }
table.runs th { color:var(--muted); font-size:12px; background:#fafbfc; }
.swatch { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:6px; vertical-align:0; }
.note { color:var(--muted); font-size:12.5px; }
.warn { background:#fff1d6; border:1px solid #f3d48d; border-radius:6px; padding:8px 12px; margin:8px 0; font-size:13px; }
footer { color:var(--muted); font-size:12px; text-align:center; padding:20px; }
`;
