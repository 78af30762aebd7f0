export { readReport } from './read.js';
export { diagnose, withFindings, RULES, connectionsNeeded, poissonQuantile } from './diagnose.js';
export { runGate, gateFailed, parseThreshold, parseRegression, type Check, type CheckStatus, type GateOptions } from './gate.js';
export { compareProfiles, compareTable, pairsOf, type ComparedRow } from './compare.js';
export { renderHtml, escapeHtml, chartData } from './html.js';
export { markdownSummary, junitXml, hgrm, findingsText, checksTable } from './text-outputs.js';
export { summaryTable, progressLine } from './terminal.js';
export { metricOf, percentileWithCi } from './metric.js';
export { mergeReports } from './merge.js';
